// Load-generator client: @emitwire/client (its Node entry, on `ws`; WebSocket is its only transport).
import { io } from '@emitwire/client';
import { realClient } from './real.mjs';

export const connect = realClient(io, {});
