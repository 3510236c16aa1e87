import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

export const BMW_OPENAPI_DIR = '/work/shared/reference/bmw-openapi';

export interface OpenApiValidatorOptions {
  /**
   * Read `oneOf` as `anyOf`. The device-code file's oneOf branches (TokenResponse / TokenResponseDeviceCodeFlow, and
   * the property-only error bodies) overlap completely, so no answer could ever match exactly one of them.
   */
  oneOfAsAnyOf?: boolean;
  /** Documented deviations: let these properties of these component schemas be null as well. */
  nullable?: Record<string, string[]>;
}

type Json = Record<string, unknown>;

/**
 * Validates answers against an OpenAPI file's response schemas with Ajv. OpenAPI 3.1 schemas are JSON Schema 2020-12;
 * the 3.0 device-code file is close enough for what it declares. `#/components/...` references are resolved by
 * registering the file's components under an $id and rewriting the references to point there.
 */
export class OpenApiValidator {
  private readonly doc: Json;
  private readonly id: string;
  private readonly ajv: Ajv2020;
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(file: string, options: OpenApiValidatorOptions = {}) {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as Json;
    this.doc = options.oneOfAsAnyOf ? (renameKey(doc, 'oneOf', 'anyOf') as Json) : doc;
    const schemas = (this.doc.components as Json).schemas as Record<string, Json>;
    for (const [name, props] of Object.entries(options.nullable ?? {})) {
      for (const prop of props) {
        const target = (schemas[name].properties as Record<string, Json>)[prop];
        target.type = [target.type as string, 'null'];
      }
    }
    this.id = `https://openapi.test/${basename(file)}`;
    // strict: false lets OpenAPI's own keywords (example, description on $ref siblings) pass.
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.ajv);
    for (const format of ['int32', 'int64', 'double', 'float'])
      this.ajv.addFormat(format, { type: 'number', validate: () => true });
    this.ajv.addSchema({ $id: this.id, components: this.doc.components });
  }

  /** The schema an operation declares for a status and media type, or undefined if it declares none. */
  responseSchema(path: string, method: string, status: number, mediaType = 'application/json'): Json | undefined {
    const paths = this.doc.paths as Record<string, Record<string, Json>>;
    const responses = paths[path]?.[method.toLowerCase()]?.responses as Record<string, Json> | undefined;
    const content = responses?.[String(status)]?.content as Record<string, Json> | undefined;
    return content?.[mediaType]?.schema as Json | undefined;
  }

  responseErrors(
    path: string,
    method: string,
    status: number,
    body: unknown,
    mediaType = 'application/json',
  ): string[] {
    const schema = this.responseSchema(path, method, status, mediaType);
    if (!schema) return [`${method.toUpperCase()} ${path} declares no ${status} ${mediaType} response`];
    return this.run(`${method} ${path} ${status} ${mediaType}`, schema, body);
  }

  componentErrors(name: string, value: unknown): string[] {
    return this.run(`component ${name}`, { $ref: `#/components/schemas/${name}` }, value);
  }

  assertResponse(path: string, method: string, status: number, body: unknown, mediaType?: string): void {
    const errors = this.responseErrors(path, method, status, body, mediaType);
    assert.deepEqual(errors, [], `${method.toUpperCase()} ${path} ${status}: ${JSON.stringify(body)?.slice(0, 400)}`);
  }

  assertComponent(name: string, value: unknown): void {
    assert.deepEqual(this.componentErrors(name, value), [], `${name}: ${JSON.stringify(value)?.slice(0, 400)}`);
  }

  private run(key: string, schema: Json, value: unknown): string[] {
    let validate = this.cache.get(key);
    if (!validate) {
      validate = this.ajv.compile(rebase(schema, this.id) as Json);
      this.cache.set(key, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);
  }
}

function rebase(node: unknown, id: string): unknown {
  if (Array.isArray(node)) return node.map((n) => rebase(n, id));
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node).map(([k, v]) => [
      k,
      k === '$ref' && typeof v === 'string' && v.startsWith('#') ? id + v : rebase(v, id),
    ]),
  );
}

function renameKey(node: unknown, from: string, to: string): unknown {
  if (Array.isArray(node)) return node.map((n) => renameKey(n, from, to));
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k === from ? to : k, renameKey(v, from, to)]));
}

/** The REST API file, strict as BMW wrote it. */
export function customerApi(options?: OpenApiValidatorOptions): OpenApiValidator {
  return new OpenApiValidator(`${BMW_OPENAPI_DIR}/cardata-customer-api-v1.json`, options);
}

/** The device-code file, with its unsatisfiable oneOf read as anyOf. */
export function deviceCodeApi(): OpenApiValidator {
  return new OpenApiValidator(`${BMW_OPENAPI_DIR}/device-code-flow.json`, { oneOfAsAnyOf: true });
}
