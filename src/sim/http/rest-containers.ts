import express, { type Router } from 'express';
import { CONTAINER_ID_PATTERN, type ContainerStore, type SimContainer } from '../containers';
import type { DescriptorCatalogue } from './descriptor-catalogue';
import type { SimHttpOptions } from './options';
import { sendCustomerError } from './rest-errors';
import { accountOf, requireVersion } from './rest-gate';

export interface ContainerRouteDeps {
  containers: ContainerStore;
  catalogue: DescriptorCatalogue;
  options: SimHttpOptions;
}

/** `ContainerDto`; the details form adds `technicalDescriptors`, which the list leaves out (swagger, §11.10). */
export function containerDto(c: SimContainer, details: boolean): Record<string, unknown> {
  const dto: Record<string, unknown> = {
    containerId: c.containerId,
    name: c.name,
    purpose: c.purpose,
    state: c.state,
    created: new Date(c.createdMs).toISOString(),
  };
  if (details) dto.technicalDescriptors = [...c.technicalDescriptors];
  return dto;
}

/** listContainers, createContainer, getContainerDetails, deleteContainer. */
export function addContainerRoutes(router: Router, deps: ContainerRouteDeps): void {
  const { containers } = deps;

  router.get('/customers/containers', requireVersion, (_req, res) => {
    res.json({ containers: containers.list(accountOf(res).gcid).map((c) => containerDto(c, false)) });
  });

  router.post('/customers/containers', express.json({ limit: '256kb' }), (req, res) => {
    const body: unknown = req.body;
    const spec = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const { name, purpose, technicalDescriptors } = spec;
    if (typeof name !== 'string' || !name || typeof purpose !== 'string' || !purpose) {
      return sendCustomerError(res, 'CU-400', { note: 'name and purpose are required.' });
    }
    if (
      !Array.isArray(technicalDescriptors) ||
      technicalDescriptors.length === 0 ||
      !technicalDescriptors.every((d) => typeof d === 'string')
    ) {
      return sendCustomerError(res, 'CU-400', { note: 'technicalDescriptors must be a non-empty list of keys.' });
    }
    const descriptors = technicalDescriptors;
    const unknown = descriptors.find((d) => !deps.catalogue.has(d));
    if (unknown !== undefined && deps.options.unknownDescriptor === 'reject') {
      return sendCustomerError(res, 'CU-402', {
        msg: `Telematic key invalid: ${unknown}`,
        note: `The telematic key '${unknown}' is not known.`,
      });
    }
    const result = containers.create(accountOf(res).gcid, { name, purpose, technicalDescriptors: descriptors });
    if (!result.ok) return sendCustomerError(res, 'CU-124');
    res.status(201).json(containerDto(result.container, true));
  });

  router.get('/customers/containers/:containerId', requireVersion, (req, res) => {
    const id = String(req.params.containerId);
    if (!CONTAINER_ID_PATTERN.test(id)) return sendCustomerError(res, 'CU-121');
    const container = containers.get(accountOf(res).gcid, id);
    if (!container) return sendCustomerError(res, 'CU-105');
    res.json(containerDto(container, true));
  });

  router.delete('/customers/containers/:containerId', (req, res) => {
    const id = String(req.params.containerId);
    if (!CONTAINER_ID_PATTERN.test(id)) return sendCustomerError(res, 'CU-121');
    const outcome = containers.delete(accountOf(res).gcid, id);
    if (outcome === 'not-found') return sendCustomerError(res, 'CU-105');
    // Observed: deleting again answers 208 Already Reported with CU-122 (commit 7b0e121).
    if (outcome === 'already-deleted') return sendCustomerError(res, 'CU-122');
    res.status(204).end();
  });
}
