export type HubTokenRole = 'read' | 'write';

export interface HubAccount {
  user: string;
  role: HubTokenRole;
  orgs: string[];
}

/** Whether the account may read a private repo of `namespace` (its own, or an organisation it belongs to). */
export function isMember(account: HubAccount | undefined, namespace: string): boolean {
  return account !== undefined && (account.user === namespace || account.orgs.includes(namespace));
}
