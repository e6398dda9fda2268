import { describe, expect, it } from 'vitest';
import {
  expectCleanStop,
  expectJsonConversation,
  expectOtherPathRefused,
  expectTextConversation,
  startExample,
} from './example-server.js';

describe('examples/mount-express.mjs', () => {
  it("keeps the Express app's routes and runs agent sessions on its chosen path, then stops cleanly", async () => {
    const running = await startExample('mount-express.mjs');
    const health = await fetch(running.http + '/api/health');
    expect(await health.json()).toEqual({ ok: true });
    expect((await fetch(running.http + '/nothing-here')).status).toBe(404);

    await expectTextConversation(running, '/chat/ws');
    await expectJsonConversation(running, '/chat/ws');
    await expectOtherPathRefused(running);

    const page = await fetch(running.http + '/chat/app.js');
    expect(page.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");

    await expectCleanStop(running);
  });
});
