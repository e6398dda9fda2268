import type { FakeOpenAI } from '../../src/testing/fake-openai-server.js';
import { startFakeOpenAI } from '../../src/testing/fake-openai-server.js';

/** A fake model that never answers, and a promise that resolves once it has been asked (the request is open). */
export async function startHangingModel(): Promise<{ fake: FakeOpenAI; asked: Promise<void> }> {
  let requested!: () => void;
  const asked = new Promise<void>((resolve) => (requested = resolve));
  const fake = await startFakeOpenAI({
    respond: () => {
      requested();
      return { hang: true };
    },
  });
  return { fake, asked };
}
