import { ApolloProvider } from '@apollo/client/react';
import { StrictMode, useEffect, useState, type FormEvent } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createDashboardClient, type ConnectionState } from './apollo';
import { initialToken, readDashboardConfig, rememberToken } from './config';
import './dashboard.css';

const config = readDashboardConfig();

function Root() {
  const [token, setToken] = useState<string | null>(() => initialToken(config));
  return token ? (
    <SignedIn
      key={token}
      token={token}
      onSignOut={() => {
        rememberToken(null);
        setToken(null);
      }}
    />
  ) : (
    <SignIn
      onToken={(t) => {
        rememberToken(t);
        setToken(t);
      }}
    />
  );
}

/** One Apollo Client (HTTP + graphql-ws) per token; signing out disposes of it and its socket. */
function SignedIn({ token, onSignOut }: { token: string; onSignOut(): void }) {
  const [connection, setConnection] = useState<ConnectionState>('connecting');
  const [reconnects, setReconnects] = useState(0);
  const [client] = useState(() =>
    createDashboardClient(config.graphqlPath, token, {
      onState: setConnection,
      onReconnected: () => setReconnects((n) => n + 1),
    }),
  );
  useEffect(() => () => client.dispose(), [client]);
  return (
    <ApolloProvider client={client.apollo}>
      <App connection={connection} reconnects={reconnects} onSignOut={onSignOut} />
    </ApolloProvider>
  );
}

function SignIn({ onToken }: { onToken(token: string): void }) {
  const [value, setValue] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const token = value.trim().replace(/^Bearer\s+/i, '');
    if (token) onToken(token);
  };
  return (
    <form className="notice sign-in" onSubmit={submit}>
      <h2>Sign in to the Billing dashboard</h2>
      <p>
        Paste a JWT from your identity provider (in development: <code>npm run token -- EMAIL</code>), or open{' '}
        <code>/dashboard#token=&lt;JWT&gt;</code>. The token stays in this browser tab only.
      </p>
      <textarea aria-label="Token" rows={4} value={value} onChange={(e) => setValue(e.target.value)} />
      <button type="submit">Sign in</button>
    </form>
  );
}

createRoot(document.getElementById('dashboard')!).render(
  <StrictMode>
    <Root />
  </StrictMode>,
);
