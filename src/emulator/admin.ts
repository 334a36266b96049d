/**
 * The emulator's own control API under /_emulator: health, stats, fault config and reset. Lets tests
 * and users in another process (e.g. `durabatch emulator --port N`) steer faults over HTTP.
 */
import { Hono } from 'hono';
import { DEFAULT_FAULTS, type BatchEngine, type FaultConfig } from './engine';

export function adminRoutes(engine: BatchEngine): Hono {
  const app = new Hono();
  app.get('/_emulator/health', (c) => c.json({ ok: true }));
  app.get('/_emulator/stats', (c) => c.json(engine.stats()));
  app.get('/_emulator/config', (c) => c.json(engine.faults));
  app.post('/_emulator/config', async (c) => {
    let patch: unknown;
    try {
      patch = await c.req.json();
    } catch {
      return c.json({ error: 'expected a JSON object (a partial fault config)' }, 400);
    }
    if (!patch || typeof patch !== 'object' || Array.isArray(patch)) {
      return c.json({ error: 'expected a JSON object (a partial fault config)' }, 400);
    }
    // A typo'd key would otherwise be merged silently and the fault never fire.
    const unknown = Object.keys(patch).filter((k) => !(k in DEFAULT_FAULTS));
    if (unknown.length > 0) return c.json({ error: `unknown fault config keys: ${unknown.join(', ')}` }, 400);
    return c.json(engine.configure(patch as Partial<FaultConfig>));
  });
  app.post('/_emulator/reset', (c) => {
    engine.reset();
    return c.json({ ok: true });
  });
  return app;
}
