/**
 * Child process: the real Signalwatch app (server.ts → Next production build) on DATABASE_URL,
 * scheduler off, on a free port. Started by the benches through startChild().
 */
(process.env as Record<string, string>).NODE_ENV = 'production';
const { startServer } = await import('../../server');
const { childReady } = await import('./common');

const started = await startServer({ port: 0, quiet: true });
childReady(started.port, () => started.close());
export {};
