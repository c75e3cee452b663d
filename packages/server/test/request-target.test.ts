import fc from 'fast-check';
import { RequestTargetParser } from '../src/request-target.js';

/** What the handshake read before the in-place reader: URLSearchParams over the request's query. */
function reference(raw: string): { pathname: string; params: URLSearchParams } {
  const url = new URL(raw, 'http://localhost');
  const q = raw.indexOf('?');
  // the former shortcut: URLSearchParams over the raw query (it drops a leading '?', as URL does not)
  const params = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*$/.test(raw) ? new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) : url.searchParams;
  return { pathname: url.pathname, params };
}

function single(params: URLSearchParams, name: string): string | undefined {
  const all = params.getAll(name);
  return all.length === 1 ? all[0] : undefined;
}

const NAMES = ['transport', 'EIO', 'sid', 'e', '', 'a b', 'é'];

function expectSame(parser: RequestTargetParser, raw: string): void {
  const got = parser.parse(raw);
  const want = reference(raw);
  expect(got?.pathname).toBe(want.pathname);
  for (const name of NAMES) {
    expect([name, got?.params.single(name)]).toEqual([name, single(want.params, name)]);
    expect([name, got?.params.has(name)]).toEqual([name, want.params.has(name)]);
  }
}

describe('RequestTargetParser', () => {
  const parser = new RequestTargetParser('/socket.io');

  test('reads the parameters of the usual upgrade URL', () => {
    const t = parser.parse('/socket.io/?EIO=4&transport=websocket');
    expect(t?.pathname).toBe('/socket.io/');
    expect(t?.params.single('EIO')).toBe('4');
    expect(t?.params.single('transport')).toBe('websocket');
    expect(t?.params.has('sid')).toBe(false);
  });

  test.each([
    '/socket.io/?EIO=4&transport=websocket&EIO=4',
    '/socket.io/?EIO=4&transport=websocket&sid',
    '/socket.io/?EIO&transport=websocket=x',
    '/socket.io/?&&EIO=4&&transport=&=websocket',
    '/socket.io/??EIO=4&transport=websocket',
    '/socket.io/?EIO=%34&transport=web+socket',
    '/socket.io/?EIO=4&transport=websocket#frag',
    '/socket.io?EIO=4&transport=websocket',
    '/socket.io/../socket.io/?EIO=4&transport=websocket',
    '/other/?EIO=4',
    '/socket.io/?a%20b=1&%C3%A9=2&e=%ZZ',
  ])('same names and values as URLSearchParams: %s', (raw) => {
    expectSame(parser, raw);
  });

  test('same names and values as URLSearchParams for random queries', () => {
    const piece = fc.constantFrom('EIO', 'transport', 'sid', 'e', '=', '&', '?', '%', '%20', '+', '4', 'websocket', 'a', ' ', '#', 'é');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        expectSame(parser, '/socket.io/?' + pieces.join(''));
      }),
      { numRuns: 5000 },
    );
  });
});
