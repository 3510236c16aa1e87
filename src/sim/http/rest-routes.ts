import express, { type ErrorRequestHandler, type Router } from 'express';
import type { Clock } from '../../cardata/clock';
import type { VehicleMapping } from '../../cardata/wire';
import { CONTAINER_ID_PATTERN } from '../containers';
import type { FleetView } from '../fleet-view';
import { chargingHistoryPage, parseHistoryRequest } from './charging-history';
import { carImage } from './png';
import { addContainerRoutes, type ContainerRouteDeps } from './rest-containers';
import { sendCustomerError } from './rest-errors';
import { accountOf, requireVersion, requireVin, restGate, type GateDeps } from './rest-gate';
import { telematicData } from './telematic-data';
import { locationBasedChargingSettings, tyreDiagnosis } from './vehicle-extras';

export interface RestDeps extends GateDeps, ContainerRouteDeps {
  clock: Clock;
  fleet: FleetView;
}

/** The 11 operations of BMW's CarData customer API under `/customers/...` (cardata-customer-api-v1.json). */
export function restRouter(deps: RestDeps): Router {
  const { clock, fleet, options } = deps;
  const router = express.Router({ caseSensitive: true, strict: false });
  const vehicle = [requireVersion, requireVin(fleet)];
  const images = new Map<string, Buffer>();

  router.use('/customers', restGate(deps));

  router.get('/customers/vehicles/mappings', requireVersion, (_req, res) => {
    const account = accountOf(res);
    const mapping = (vin: string, mappingType: VehicleMapping['mappingType']): VehicleMapping => ({
      vin,
      mappedSince: account.mappedSince,
      mappingType,
    });
    const all = [
      ...account.vins.map((v) => mapping(v, 'PRIMARY')),
      ...account.secondaryVins.map((v) => mapping(v, 'SECONDARY')),
    ];
    // Real answers are arrays; the swagger's single VehicleMappingDto can hold one vehicle only (§4.3.1).
    res.json(options.mappingsShape === 'array' ? all : (all[0] ?? {}));
  });

  addContainerRoutes(router, deps);

  router.get('/customers/vehicles/:vin/basicData', ...vehicle, (req, res) => {
    res.json({ vin: req.params.vin, ...fleet.basicData(String(req.params.vin)) });
  });

  router.get('/customers/vehicles/:vin/telematicData', ...vehicle, (req, res) => {
    const id = req.query.containerId;
    if (typeof id !== 'string' || !id) return sendCustomerError(res, 'CU-400', { note: 'containerId is required.' });
    if (!CONTAINER_ID_PATTERN.test(id)) return sendCustomerError(res, 'CU-121');
    const container = deps.containers.get(accountOf(res).gcid, id);
    // Data comes only from ACTIVE containers; a deleted or vanished one answers CU-105 (commit 8e271cc).
    if (container?.state !== 'ACTIVE') return sendCustomerError(res, 'CU-105');
    res.json(telematicData(container, fleet.reported(String(req.params.vin)), deps.catalogue));
  });

  router.get('/customers/vehicles/:vin/chargingHistory', ...vehicle, (req, res) => {
    const vin = String(req.params.vin);
    const request = parseHistoryRequest(vin, req.query, clock.now());
    if (!request.ok) return sendCustomerError(res, request.code, { note: request.note });
    res.json(chargingHistoryPage(vin, fleet.chargingSessions(vin), request, clock.now()));
  });

  router.get('/customers/vehicles/:vin/image', ...vehicle, (req, res) => {
    const vin = String(req.params.vin);
    if (options.noImageVins.includes(vin)) return sendCustomerError(res, 'CU-126');
    const png = images.get(vin) ?? carImage(vin);
    images.set(vin, png);
    res.type('image/png').send(png);
  });

  router.get('/customers/vehicles/:vin/locationBasedChargingSettings', ...vehicle, (req, res) => {
    const vin = String(req.params.vin);
    const token = req.query.nextToken;
    if (token !== undefined && typeof token !== 'string') return sendCustomerError(res, 'CU-401');
    const page = locationBasedChargingSettings(vin, accountOf(res).gcid, fleet.position(vin), clock.now(), token);
    if (!page) return sendCustomerError(res, 'CU-401', { note: 'nextToken is invalid.' });
    if (page.data.length === 0) return sendCustomerError(res, 'CU-127');
    res.json(page);
  });

  router.get('/customers/vehicles/:vin/smartMaintenanceTyreDiagnosis', ...vehicle, (req, res) => {
    res.json(tyreDiagnosis(String(req.params.vin), clock.now()));
  });

  // Anything else, including BMW's guide's singular `/customer/...` paths, gets BMW's invalid-resource answer.
  const paths = ['/customers', '/customer'];
  router.use(paths, (_req, res) => sendCustomerError(res, 'CU-403'));
  router.use(paths, restErrors);
  return router;
}

const restErrors: ErrorRequestHandler = (err: unknown, _req, res, next) => {
  if (res.headersSent) return next(err);
  const status = (err as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return sendCustomerError(res, 'CU-400', { note: 'The request body could not be read.' });
  }
  sendCustomerError(res, 'CU-500');
};
