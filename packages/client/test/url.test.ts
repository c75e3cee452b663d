import { EmitwireError, ErrorCode } from '@emitwire/client';
import { parseUrl } from '../src/url.js';

test.each([
  ['http://localhost:3000', 'http://localhost:3000/'],
  ['http://localhost:3000/admin?x=1', 'http://localhost:3000/admin?x=1'],
  ['https://example.com', 'https://example.com/'],
  ['ws://example.com:80/', 'ws://example.com/'],
  ['localhost:3000', 'https://localhost:3000/'], // no page: https, as socket.io-client does
  ['//example.com/chat', 'https://example.com/chat'],
])('%s → %s', (input, href) => {
  expect(parseUrl(input).href).toBe(href);
});

test('a path alone needs a page to resolve against', () => {
  expect(() => parseUrl('/admin')).toThrow(new EmitwireError(ErrorCode.INVALID_ARGUMENT, 'invalid URL "/admin"'));
  expect(() => parseUrl()).toThrow(EmitwireError);
});
