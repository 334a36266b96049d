/**
 * The one place `@google/genai` is loaded. It is an ES-module package ("type": "module") that also
 * ships a CommonJS build (`dist/node/index.cjs`, its "require" export). This project compiles to
 * CommonJS under `module: node16`, where TypeScript refuses a static import of an ES-module package,
 * so the types come in with resolution-mode "import" and the value through require(), which Node
 * resolves to that CommonJS build.
 */
import type * as GenAI from '@google/genai' with { 'resolution-mode': 'import' };

const genai = require('@google/genai') as typeof GenAI;

export const GoogleGenAI = genai.GoogleGenAI;
export type GoogleGenAI = GenAI.GoogleGenAI;
export const ApiError = genai.ApiError;
export type ApiError = GenAI.ApiError;
export type { BatchJob, GenerateContentConfig, InlinedRequest } from '@google/genai' with { 'resolution-mode': 'import' };
