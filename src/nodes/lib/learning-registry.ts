/**
 * The running nodes that learn, so cardata-reset-learning can reach them without wires: a prediction node registers
 * when it starts and deregisters when it closes, as flow nodes do with their config node.
 */
import { dirname } from 'node:path';
import type { ResetTarget } from '../../vehicle/engine-slot';

export interface LearningOwner {
  /** The file the node persists to: the reset node leaves it to its running owner, who rewrites it. */
  readonly stateFile: string;
  /** Reset learning of `vin` (charging efficiency or driving consumption); false when there was nothing to reset. Persists the result. */
  resetLearning(vin: string, what: ResetTarget): boolean;
}

const owners = new Set<LearningOwner>();

export const learningRegistry = {
  register(owner: LearningOwner): void {
    owners.add(owner);
  },
  deregister(owner: LearningOwner): void {
    owners.delete(owner);
  },
  /**
   * The running owners whose state lives in `stateDir`: this runtime's, when more than one Node-RED runs in a
   * process (tests, embedded runtimes).
   */
  running(stateDir: string): LearningOwner[] {
    return [...owners].filter((owner) => dirname(owner.stateFile) === stateDir);
  },
};
