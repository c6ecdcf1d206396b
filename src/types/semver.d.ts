// semver ships no types of its own; these are the two functions hotfix uses (semver 7).
declare module 'semver' {
  export function valid(version: string): string | null;
  export function inc(version: string, release: 'major' | 'minor' | 'patch'): string | null;
  export function gt(a: string, b: string): boolean;
}
