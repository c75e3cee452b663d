/*
 * Published advisories of socket.io-parser (PROTOCOL.md, decoder rules), one case each, with the
 * attack input learned from the public fix. Each must end in a ProtocolError with a stable code:
 * never another exception, never a function or prototype smuggled into the arguments, never an
 * unbounded buffer or scan.
 */
import { Decoder, ErrorCode, PacketType } from '@emitwire/protocol';
import { assertWellFormed, decodeWire, expectProtocolError, placeholder } from './helpers.js';

/** Milliseconds `fn` takes. Only used with bounds orders of magnitude above the expected time. */
function elapsed(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

const bin = (n = 1): Uint8Array => new Uint8Array(n);

describe('socket.io-parser CVE-2020-36049 (GHSA-xfhh-g9f5-x4m4): DoS via a massive packet', () => {
  // The public fix (socket.io-parser 3.3.2 / 3.4.1, PR #95) replaced a char-by-char string
  // concatenation of the attachment count and of the ack id; the attack was an Engine.IO message
  // `4` then `2` then ~1e8 digits, which built 1e8 cons-strings and ran the heap out.
  it('CVE-2020-36049: a megabyte of ack id digits fails fast with INVALID_ACK_ID', () => {
    const message = '4' + '2'.repeat(999_999);
    const ms = elapsed(() => expectProtocolError(() => decodeWire([message]), ErrorCode.INVALID_ACK_ID));
    expect(ms).toBeLessThan(1000);
  });

  it('CVE-2020-36049: a megabyte of attachment count digits fails fast with INVALID_ATTACHMENTS', () => {
    for (const message of ['45' + '1'.repeat(999_998), '46' + '9'.repeat(999_990) + '-[]']) {
      const ms = elapsed(() => expectProtocolError(() => decodeWire([message]), ErrorCode.INVALID_ATTACHMENTS));
      expect(ms).toBeLessThan(1000);
    }
  });

  it('CVE-2020-36049: a message above maxPayload is refused before it is parsed', () => {
    const decoder = new Decoder({ maxPayload: 1000 });
    expectProtocolError(() => decoder.add('2' + '2'.repeat(1000)), ErrorCode.PAYLOAD_TOO_LARGE);
  });
});

describe('socket.io-parser CVE-2022-2421 (GHSA-qm95-pgcg-qqfq): placeholder num type confusion', () => {
  // The public fix (4.2.1 / 4.0.5 / 3.4.2 / 3.3.3) checks that each placeholder's num is a number
  // within the received buffers: before it, `"num":"toString"` made buffers["toString"] (a
  // function) an event argument, and `"__proto__"` put Array.prototype there.
  it.each(['"toString"', '"__proto__"', '"constructor"', '"push"', '"length"', '0.5', '-1', '1'])(
    'CVE-2022-2421: placeholder num %s is refused with INVALID_PLACEHOLDER before any attachment',
    (num) => {
      const decoder = new Decoder();
      expectProtocolError(() => decoder.add(`51-["hello",{"_placeholder":true,"num":${num}}]`), ErrorCode.INVALID_PLACEHOLDER);
      // nothing is pending, so the attacker's attachment is refused too
      expectProtocolError(() => decoder.add(bin()), ErrorCode.UNEXPECTED_BINARY);
    },
  );

  it('CVE-2022-2421: a valid binary packet never yields a function or a prototype object', () => {
    const decoder = new Decoder();
    decoder.add(`62-1[${placeholder(0)},{"a":${placeholder(1)}}]`);
    decoder.add(bin());
    const packet = decoder.add(bin(2));
    expect(packet).toBeDefined();
    expect(packet!.type).toBe(PacketType.ACK);
    assertWellFormed(packet!);
  });
});

describe('socket.io-parser CVE-2023-32695 (GHSA-cqmj-92xf-r6r9): uncaught exception from a crafted packet', () => {
  // The public fix (4.2.3 / 3.4.3 / 3.3.4) checks the format of the event name and of each
  // payload; the crafted packets had an object (with its own toString), a boolean or null where
  // the event name goes, and payloads of the wrong shape for their type.
  it.each([
    '42[{"toString":"foo"}]',
    '42[true,"foo"]',
    '42[null,"bar"]',
    '42[["nested"]]',
    '42/admin,{}',
    '42/admin,"invalid"',
    '40[]',
    '40/admin,"invalid"',
    '41/admin,{}',
    '43/admin,1{}',
    '44[]',
    `451-[{"toString":"foo"},${placeholder(0)}]`,
  ])('CVE-2023-32695: %j is refused with INVALID_PAYLOAD', (message) => {
    expectProtocolError(() => decodeWire([message]), ErrorCode.INVALID_PAYLOAD);
  });

  it('CVE-2023-32695: malformed JSON is a ProtocolError, not a SyntaxError', () => {
    expectProtocolError(() => decodeWire(['442["some","data"']), ErrorCode.INVALID_JSON);
    expectProtocolError(() => decodeWire(['42/admin,"invalid']), ErrorCode.INVALID_JSON);
  });

  it('CVE-2023-32695: reserved names are refused with RESERVED_EVENT', () => {
    expectProtocolError(() => decodeWire(['42["connect"]']), ErrorCode.RESERVED_EVENT);
    expectProtocolError(() => decodeWire(['42["disconnect","123"]']), ErrorCode.RESERVED_EVENT);
  });
});

describe('socket.io-parser CVE-2026-33151 (GHSA-677m-j7p3-52f9): unbounded number of binary attachments', () => {
  // The public fix (4.2.6 / 3.4.4 / 3.3.5) caps the attachment count a packet may declare
  // (`maxAttachments`, default 10): before it, a packet declaring a huge count made the peer wait
  // for, and buffer, that many binary messages.
  it('CVE-2026-33151: a packet declaring a huge attachment count is refused before anything is buffered', () => {
    const decoder = new Decoder();
    expectProtocolError(() => decoder.add(`5999999-["hello",${placeholder(0)}]`), ErrorCode.INVALID_ATTACHMENTS);
    expect(decoder.awaitingAttachments).toBe(false);
    for (let i = 0; i < 3; i++) expectProtocolError(() => decoder.add(bin(1024)), ErrorCode.UNEXPECTED_BINARY);
  });

  it('CVE-2026-33151: 11 declared attachments are one too many by default', () => {
    const refs = Array.from({ length: 11 }, (_, i) => placeholder(i)).join(',');
    expectProtocolError(() => new Decoder().add(`511-["hello",${refs}]`), ErrorCode.INVALID_ATTACHMENTS);
    expectProtocolError(() => new Decoder({ maxAttachments: 2 }).add(`53-["hello",${refs}]`), ErrorCode.INVALID_ATTACHMENTS);
  });

  it('CVE-2026-33151: within the limit, no more binaries are buffered than were declared', () => {
    const decoder = new Decoder();
    decoder.add(`52-["hello",${placeholder(0)},${placeholder(1)}]`);
    expect(decoder.add(bin())).toBeUndefined();
    expect(decoder.add(bin())).toBeDefined();
    expectProtocolError(() => decoder.add(bin()), ErrorCode.UNEXPECTED_BINARY);
  });

  it('CVE-2026-33151 follow-up (socket.io-parser 4.2.7): a packet declaring 0 attachments waits for none', () => {
    // 4.2.7 refuses "50-"; we accept it (PROTOCOL.md allows 0..maxAttachments) but it completes at
    // once, so no binary can pile up behind it.
    const decoder = new Decoder();
    expect(decoder.add('50-["hello"]')).toEqual({ type: PacketType.EVENT, nsp: '/', id: undefined, data: ['hello'] });
    expect(decoder.awaitingAttachments).toBe(false);
    expectProtocolError(() => decoder.add(bin()), ErrorCode.UNEXPECTED_BINARY);
  });
});
