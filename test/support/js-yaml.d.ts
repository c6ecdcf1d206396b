// js-yaml ships no types; the tests only load YAML documents.
declare module 'js-yaml' {
  export function load(text: string, options?: { filename?: string }): unknown;
}
