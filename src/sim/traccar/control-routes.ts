import express from 'express';
import type { SimTraccar } from './sim-traccar';

/**
 * The Traccar part of the simulator's control API (`/sim/traccar`): the URL, token and devices a test or a demo
 * flow configures, and the fault switches.
 */
export function traccarControlRoutes(traccar: SimTraccar): express.Router {
  const router = express.Router();
  router.get('/', (_req, res) => res.json({ ...traccar.info(), faults: { ...traccar.faults } }));
  router.get('/faults', (_req, res) => res.json({ ...traccar.faults }));
  router.post('/faults', express.json(), (req, res) => {
    try {
      res.json(traccar.setFaults((req.body ?? {}) as Record<string, unknown>));
    } catch (err) {
      res.status(400).json({ error: (err as Error).message });
    }
  });
  router.post('/faults/reset', (_req, res) => res.json(traccar.resetFaults()));
  return router;
}
