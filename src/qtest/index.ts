export type { InterceptTarget, LevelReport } from './intercepts.js';
export { MAX_BLOCK_BYTES, type QtestCommand, QtestSession, type ReplySink } from './session.js';
export {
  connectUnix,
  connectUnixClient,
  type ListenOptions,
  listenUnix,
  MAX_LINE_BYTES,
  MAX_WAITING_CLIENTS,
  type PlatformSource,
  type QtestClientConnection,
  type QtestLog,
  serveStream,
  type SessionSetup,
} from './server.js';
export { parseTranscript, replayTranscript, type TranscriptMismatch, type TranscriptStep } from './transcript.js';
export { installExtensions } from './extensions.js';
