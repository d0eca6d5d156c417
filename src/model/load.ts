// Text → resources. Accepts multi-document YAML, a JSON object or array, and Kubernetes `kind: List` or
// calicoctl `kind: <Kind>List` wrappers. Every problem is collected; nothing is thrown for bad input, so
// callers choose: the CLI refuses to apply anything if `errors` is non-empty (validateAll), the daemon
// applies the valid resources and reports the rest.
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { parseJsonLossless } from './json.js';
import {
  formatResourceError,
  parseResource,
  resourceError,
  type Resource,
  type ResourceError,
  type ResourceLocation,
  type SkippedResource,
} from './resources.js';

export interface ParseResourcesResult {
  resources: Resource[];
  errors: ResourceError[];
  /** Calico kinds Tortie does not use (FelixConfiguration, …): not errors, but worth a warning. */
  skipped: SkippedResource[];
}

interface Candidate {
  value: unknown;
  location: ResourceLocation;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function parseResources(text: string, sourceName: string): ParseResourcesResult {
  const result: ParseResourcesResult = { resources: [], errors: [], skipped: [] };
  const { documents, errors } = decodeDocuments(text.replace(/^\uFEFF/, ''), sourceName);
  result.errors.push(...errors);
  for (const candidate of documents.flatMap(expandLists)) {
    const parsed = parseResource(candidate.value, candidate.location);
    if (parsed.status === 'ok') result.resources.push(parsed.resource);
    else if (parsed.status === 'error') result.errors.push(parsed.error);
    else result.skipped.push(parsed.skipped);
  }
  return result;
}

/** Read and parse one file; I/O errors (ENOENT, EACCES) are thrown, content errors are returned. */
export async function loadResourceFile(path: string): Promise<ParseResourcesResult> {
  return parseResources(await readFile(path, 'utf8'), path);
}

export class ResourceValidationError extends Error {
  constructor(readonly errors: readonly ResourceError[]) {
    const count = errors.length === 1 ? '1 invalid resource' : `${errors.length} invalid resources`;
    super(`${count}; nothing was applied:\n${errors.map(formatResourceError).join('\n')}`);
    this.name = 'ResourceValidationError';
  }
}

/** All-or-nothing: the resources if every document was valid, else a ResourceValidationError listing all. */
export function validateAll(result: ParseResourcesResult): Resource[] {
  if (result.errors.length > 0) throw new ResourceValidationError(result.errors);
  return result.resources;
}

function decodeDocuments(text: string, source: string): { documents: Candidate[]; errors: ResourceError[] } {
  if (!/^\s*[[{]/.test(text)) return decodeYaml(text, source);
  try {
    return { documents: [{ value: parseJsonLossless(text), location: { source, document: 0 } }], errors: [] };
  } catch (err) {
    // YAML is a superset of JSON: `---`-separated JSON objects still load. If YAML fails too, the JSON
    // message is the precise one.
    const asYaml = decodeYaml(text, source);
    if (asYaml.errors.length === 0) return asYaml;
    const error = resourceError({ source, document: 0 }, {}, [`(json): ${(err as Error).message}`]);
    return { documents: [], errors: [error] };
  }
}

function decodeYaml(text: string, source: string): { documents: Candidate[]; errors: ResourceError[] } {
  const documents: Candidate[] = [];
  const errors: ResourceError[] = [];
  // intAsBigInt keeps uint64 sequence numbers exact; small integers are turned back into numbers below.
  parseAllDocuments(text, { intAsBigInt: true }).forEach((doc, index) => {
    const location = { source, document: index };
    const syntaxError = doc.errors[0];
    if (syntaxError) {
      errors.push(resourceError(location, {}, [`(yaml): ${firstLine(syntaxError.message)}`]));
      return;
    }
    try {
      documents.push({ value: numbersWhereSafe(doc.toJS()), location });
    } catch (err) {
      errors.push(resourceError(location, {}, [`(yaml): ${firstLine((err as Error).message)}`]));
    }
  });
  return { documents, errors };
}

/** Lists become their items: a top-level array, `kind: List`, or calicoctl's `kind: IPPoolList` etc. */
function expandLists(candidate: Candidate): Candidate[] {
  const { value, location } = candidate;
  if (value === null || value === undefined) return []; // empty document, e.g. a trailing `---`
  const withItems = (items: unknown[], defaults: Record<string, unknown>) =>
    items.map((item, index) => ({
      value: isRecord(item) ? { ...defaults, ...item } : item,
      location: { ...location, item: index },
    }));
  if (Array.isArray(value)) return withItems(value, {});
  if (isRecord(value) && typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
    // Items of a typed list (IPPoolList) may omit kind and apiVersion, as in a raw Kubernetes LIST response.
    const itemKind = value.kind === 'List' ? undefined : value.kind.slice(0, -'List'.length);
    const defaults = itemKind === undefined ? {} : { kind: itemKind, apiVersion: value.apiVersion };
    return withItems(value.items, defaults);
  }
  return [candidate];
}

/** yaml's messages end their first line with ':' and then show a code frame; keep the sentence. */
function firstLine(message: string): string {
  return (message.split('\n', 1)[0] ?? message).replace(/:$/, '');
}

/** yaml's intAsBigInt turns every integer into a bigint; keep bigint only where a number would round. */
function numbersWhereSafe(value: unknown): unknown {
  if (typeof value === 'bigint') {
    const asNumber = Number(value);
    return Number.isSafeInteger(asNumber) ? asNumber : value;
  }
  if (Array.isArray(value)) return value.map(numbersWhereSafe);
  if (isRecord(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, member]) => [key, numbersWhereSafe(member)]));
  }
  return value;
}
