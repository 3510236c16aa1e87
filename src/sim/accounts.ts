import { randomUUID } from 'node:crypto';

/** A BMW customer account as the simulator knows it: the portal's client ID, the GCID and the mapped vehicles. */
export interface SimAccount {
  clientId: string;
  gcid: string;
  /** PRIMARY mappings: the vehicles whose data this account may read. */
  vins: string[];
  /** SECONDARY mappings: listed by getMappings, refused (CU-104) everywhere else. */
  secondaryVins: string[];
  /** Portal subscriptions of the client ID; a scope whose service is not subscribed is not granted (§2.2). */
  subscribedApi: boolean;
  subscribedStream: boolean;
  /** When the vehicles were mapped (ISO), for getMappings. */
  mappedSince: string;
}

export class AccountRegistry {
  private readonly byClientId = new Map<string, SimAccount>();

  add(partial: Partial<SimAccount> & { vins: string[] }): SimAccount {
    const account: SimAccount = {
      clientId: partial.clientId ?? randomUUID(),
      gcid: partial.gcid ?? randomUUID(),
      vins: partial.vins,
      secondaryVins: partial.secondaryVins ?? [],
      subscribedApi: partial.subscribedApi ?? true,
      subscribedStream: partial.subscribedStream ?? true,
      mappedSince: partial.mappedSince ?? '2024-03-02T09:14:11.000Z',
    };
    // BMW's token endpoint has been seen to treat client IDs case-insensitively (§11.17); so do we.
    this.byClientId.set(account.clientId.toLowerCase(), account);
    return account;
  }

  byClient(clientId: string): SimAccount | undefined {
    return this.byClientId.get(clientId.toLowerCase());
  }

  byGcid(gcid: string): SimAccount | undefined {
    for (const account of this.byClientId.values()) if (account.gcid === gcid) return account;
    return undefined;
  }

  all(): SimAccount[] {
    return [...this.byClientId.values()];
  }
}
