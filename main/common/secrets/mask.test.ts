// Secrets masked in what leaves the process: every occurrence, the longest first so no part of one is left.
import { describe, expect, it } from 'vitest';
import { maskSecrets } from './mask.js';

describe('masking secrets in a message', () => {
  it('masks every occurrence of every secret', () => {
    expect(maskSecrets('login root:s3cret! failed; retry with s3cret! later (token tk-77aa)', ['s3cret!', 'tk-77aa'])).toBe('login root:*** failed; retry with *** later (token ***)');
  });

  it('masks a longer secret whole even when a shorter one is part of it', () => {
    expect(maskSecrets('password hunter22-extra', ['hunter22', 'hunter22-extra'])).toBe('password ***');
  });

  it('leaves values shorter than four characters alone: they would mask ordinary words', () => {
    expect(maskSecrets('the node is up', ['up', 'the'])).toBe('the node is up');
  });
});
