// Load-generator client: the official socket.io-client, WebSocket transport.
import { io } from 'socket.io-client';
import { realClient } from './real.mjs';

export const connect = realClient(io, { transports: ['websocket'], perMessageDeflate: false });
