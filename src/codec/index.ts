export {
  AesGcmCodec,
  codecFromEnv,
  dataConverterFromEnv,
  parseCodecKeys,
  CODEC_KEYS_ENV,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  type CodecKey,
} from './aes-gcm-codec';
export { buildCodecApp, startCodecServer, DEFAULT_UI_ORIGIN, type CodecServer, type CodecServerOptions } from './codec-server';
