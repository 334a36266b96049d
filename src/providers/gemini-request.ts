/**
 * Building Gemini batch requests from prepared chat requests, in the two forms a batch takes:
 * inlined requests handed to the SDK (which moves `config` into `generationConfig`), and JSONL lines
 * (`{"key", "request"}`) for an uploaded input file. Both carry the same GenerateContentRequest.
 */
import type { GenerateContentConfig, InlinedRequest } from './gemini-sdk';
import type { JsonSchema } from '../schema/to-json-schema';
import type { PreparedRequest } from '../types';
import type { ChunkSpec } from './types';

export type ChunkShape = Omit<ChunkSpec, 'requests' | 'tag'>;

type Content = { role: 'user' | 'model'; parts: Array<{ text: string }> };

export interface GenerationConfig {
  responseMimeType: 'application/json';
  responseJsonSchema: JsonSchema;
  maxOutputTokens?: number;
  temperature?: number;
}

/** A GenerateContentRequest as the API receives it. */
export interface WireRequest {
  contents: Content[];
  systemInstruction?: { parts: Array<{ text: string }> };
  generationConfig: GenerationConfig;
}

/**
 * `responseJsonSchema` takes a JSON Schema subset ($ref/$defs, anyOf, enum, required,
 * additionalProperties, ...), so the canonical schema goes as it is; unlike `responseSchema` it needs
 * no translation to Google's OpenAPI-style Type enum.
 */
const configCache = new WeakMap<ChunkShape, GenerationConfig>();
export function generationConfig(chunk: ChunkShape): GenerationConfig {
  const cached = configCache.get(chunk);
  if (cached) return cached;
  const config: GenerationConfig = {
    responseMimeType: 'application/json',
    responseJsonSchema: chunk.output.jsonSchema,
    ...(chunk.params.maxTokens !== undefined && { maxOutputTokens: chunk.params.maxTokens }),
    ...(chunk.params.temperature !== undefined && { temperature: chunk.params.temperature }),
  };
  configCache.set(chunk, config);
  return config;
}

/**
 * Gemini has one system instruction per request: every system message goes in, joined by a blank
 * line in order. User turns keep role 'user'; assistant turns become 'model'.
 */
function split(request: PreparedRequest): { system?: string; contents: Content[] } {
  const system = request.messages
    .filter((m) => m.role === 'system')
    .map((m) => m.content)
    .join('\n\n');
  const contents = request.messages
    .filter((m) => m.role !== 'system')
    .map((m): Content => ({ role: m.role === 'assistant' ? 'model' : 'user', parts: [{ text: m.content }] }));
  return { ...(system && { system }), contents };
}

export function toWireRequest(request: PreparedRequest, config: GenerationConfig): WireRequest {
  const { system, contents } = split(request);
  return { contents, ...(system && { systemInstruction: { parts: [{ text: system }] } }), generationConfig: config };
}

/**
 * One line of the JSONL input file, newline included: `{"key","request":{contents, systemInstruction?,
 * generationConfig}}`. The generation config (with the schema, most of each line) is serialised
 * once per chunk and spliced in. Byte-for-byte what JSON.stringify of the line object gives.
 */
export function inputLine(request: PreparedRequest, config: GenerationConfig): string {
  // Written as text straight from the messages: no intermediate objects per line.
  let contents = '';
  let system: string | undefined;
  for (const m of request.messages) {
    if (m.role === 'system') system = system === undefined ? m.content : `${system}\n\n${m.content}`;
    else
      contents += `${contents ? ',' : ''}{"role":"${m.role === 'assistant' ? 'model' : 'user'}","parts":[{"text":${JSON.stringify(m.content)}}]}`;
  }
  const instruction = system ? `,"systemInstruction":{"parts":[{"text":${JSON.stringify(system)}}]}` : '';
  return `{"key":${JSON.stringify(request.customId)},"request":{"contents":[${contents}]${instruction},"generationConfig":${configJson(config)}}}\n`;
}

const configTexts = new WeakMap<GenerationConfig, string>();
function configJson(config: GenerationConfig): string {
  let text = configTexts.get(config);
  if (text === undefined) {
    text = JSON.stringify(config);
    configTexts.set(config, text);
  }
  return text;
}

/** The same request for `batches.create({src: InlinedRequest[]})`; `metadata.key` comes back with its response. */
export function toInlinedRequest(request: PreparedRequest, config: GenerationConfig): InlinedRequest {
  const { system, contents } = split(request);
  const sdkConfig: GenerateContentConfig = { ...config, ...(system && { systemInstruction: { parts: [{ text: system }] } }) };
  return { contents, metadata: { key: request.customId }, config: sdkConfig };
}
