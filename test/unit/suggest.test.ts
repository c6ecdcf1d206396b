// "Did you mean": the edit distance and when a name is close enough to suggest.
import { describe, expect, it } from 'vitest';
import { closest, editDistance } from '../../src/core/suggest.js';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['', 'abc', 3],
    ['production', 'production', 0],
    ['prodution', 'production', 1], // a letter left out
    ['productoin', 'production', 1], // two neighbours swapped
    ['stagin', 'staging', 1],
    ['kitten', 'sitting', 3],
    ['qa', 'dev', 3],
  ])('%j -> %j is %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});

describe('closest', () => {
  const envs = ['production', 'staging', 'preview'];
  it.each([
    ['prodution', 'production'],
    ['Production', 'production'],
    ['stagign', 'staging'],
    ['prod', 'production'], // an abbreviation of one name
    ['pr', undefined], // an abbreviation of two: no guess
    ['pre', 'preview'],
    ['qa', undefined],
    ['development', undefined],
  ])('%j -> %j', (input, expected) => {
    expect(closest(input, envs)).toBe(expected);
  });

  it('has nothing to suggest from no candidates', () => {
    expect(closest('production', [])).toBeUndefined();
  });
});
