// The session's tokens, held in memory only. They are never written to
// localStorage, sessionStorage, cookies or IndexedDB: a reload signs out.

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
}

type Listener = () => void;

export class TokenStore {
  private pair: TokenPair | null = null;
  private readonly listeners = new Set<Listener>();

  get accessToken(): string | null {
    return this.pair?.access_token ?? null;
  }

  get refreshToken(): string | null {
    return this.pair?.refresh_token ?? null;
  }

  get signedIn(): boolean {
    return this.pair !== null;
  }

  set(pair: TokenPair): void {
    this.pair = { ...pair };
    this.emit();
  }

  clear(): void {
    if (this.pair === null) return;
    this.pair = null;
    this.emit();
  }

  /** For useSyncExternalStore: returns the unsubscribe function. */
  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private emit(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
