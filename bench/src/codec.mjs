// The codec microbench process: encode + decode of typical Socket.IO event packets, ours
// (@emitwire/protocol) against socket.io-parser, in one process, alternating, several rounds.
// Both sides are measured at the Socket.IO packet layer (no Engine.IO `4` prefix): encode a packet
// object, feed the encoded message(s) to a long-lived decoder, get the packet back.
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { childSetup, toParent } from './proc.mjs';
import { PAYLOAD } from './common.mjs';

const config = childSetup();
const { rounds, runMs } = config.params;

const EVENT = 2;
const textPacket = { type: EVENT, nsp: '/', id: 12, data: ['chat', PAYLOAD] };
const attachment = Buffer.alloc(1024, 7);
const binaryPacket = { type: EVENT, nsp: '/', id: 13, data: ['upload', { name: 'photo.png', size: 1024 }, attachment] };

let sink = 0;

async function oursCodec() {
  const { encodePacket, Decoder } = await import('@emitwire/protocol');
  const decoder = new Decoder();
  return {
    text() {
      const encoded = encodePacket(textPacket);
      const packet = decoder.add(encoded);
      sink += packet.data.length;
    },
    binary() {
      const encoded = encodePacket(binaryPacket);
      let packet;
      for (let i = 0; i < encoded.length; i++) packet = decoder.add(encoded[i]);
      sink += packet.data.length;
    },
  };
}

async function socketIoCodec() {
  const parser = await import('socket.io-parser');
  const encoder = new parser.Encoder();
  const decoder = new parser.Decoder();
  let last;
  decoder.on('decoded', (packet) => {
    last = packet;
  });
  return {
    text() {
      const encoded = encoder.encode(textPacket);
      decoder.add(encoded[0]);
      sink += last.data.length;
    },
    binary() {
      const encoded = encoder.encode(binaryPacket);
      for (let i = 0; i < encoded.length; i++) decoder.add(encoded[i]);
      sink += last.data.length;
    },
  };
}

function check(codec, name) {
  // a wrong codec must not look fast: verify one round trip of each packet
  for (const kind of ['text', 'binary']) {
    const before = sink;
    codec[kind]();
    if (sink - before !== (kind === 'text' ? 2 : 3)) throw new Error(`${name} ${kind}: bad round trip`);
  }
}

function opsPerSec(fn, ms) {
  let ops = 0;
  const start = performance.now();
  let elapsed;
  do {
    for (let i = 0; i < 500; i++) fn();
    ops += 500;
    elapsed = performance.now() - start;
  } while (elapsed < ms);
  return (ops * 1000) / elapsed;
}

const codecs = { 'socket.io-parser': await socketIoCodec() };
let oursError = null;
try {
  codecs.emitwire = await oursCodec();
} catch (err) {
  oursError = String(err?.message ?? err);
}
for (const [name, codec] of Object.entries(codecs)) check(codec, name);

const results = {};
for (const name of Object.keys(codecs)) results[name] = { text: [], binary: [] };
// warm-up, then measured rounds; the order of the codecs alternates each round
for (const name of Object.keys(codecs)) for (const kind of ['text', 'binary']) opsPerSec(codecs[name][kind], runMs / 2);
for (let r = 0; r < rounds; r++) {
  const names = Object.keys(codecs);
  if (r % 2) names.reverse();
  for (const kind of ['text', 'binary']) {
    for (const name of names) results[name][kind].push(opsPerSec(codecs[name][kind], runMs));
  }
}
toParent({ type: 'result', results, oursError, sink: sink > 0 });
