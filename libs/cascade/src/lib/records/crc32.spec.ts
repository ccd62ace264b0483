import { crc32 } from './crc32';

describe('crc32', () => {
  it('matches the standard check value for "123456789"', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('is 0 for no bytes and honours a sub-range', () => {
    const bytes = new TextEncoder().encode('xx123456789yy');
    expect(crc32(new Uint8Array())).toBe(0);
    expect(crc32(bytes, 2, 11)).toBe(0xcbf43926);
  });
});
