import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { Kind, OperationTypeNode } from 'graphql';
import { createClient, type Client } from 'graphql-ws';

/** What the page shows of its WebSocket: subscriptions are live only while `live`. */
export type ConnectionState = 'connecting' | 'live' | 'reconnecting';

export interface DashboardClient {
  apollo: ApolloClient;
  socket: Client;
  dispose(): void;
}

export interface ConnectionEvents {
  onState(state: ConnectionState): void;
  /** The socket came back after a drop: subscriptions that replay (billingAlerts) resume from what was received. */
  onReconnected(): void;
}

/**
 * Apollo Client over this server's /graphql: queries and mutations over HTTP, subscriptions over graphql-ws on the
 * same path, both signed in with the one token (R6: `connectionParams.authorization` for the socket).
 */
export function createDashboardClient(graphqlPath: string, token: string, events: ConnectionEvents): DashboardClient {
  const authorization = `Bearer ${token}`;
  const httpLink = new HttpLink({ uri: graphqlPath, headers: { authorization } });
  let connectedBefore = false;
  const socket = createClient({
    url: new URL(graphqlPath, window.location.href).href.replace(/^http/, 'ws'),
    connectionParams: { authorization },
    lazy: false,
    // A dashboard stays open for hours: keep trying, with graphql-ws's randomized exponential back-off.
    retryAttempts: Infinity,
    shouldRetry: () => true,
    on: {
      connecting: () => events.onState(connectedBefore ? 'reconnecting' : 'connecting'),
      connected: () => {
        events.onState('live');
        if (connectedBefore) events.onReconnected();
        connectedBefore = true;
      },
      closed: () => events.onState(connectedBefore ? 'reconnecting' : 'connecting'),
    },
  });
  const isSubscription = ({ query }: ApolloLink.Operation) => {
    const definition = getMainDefinition(query);
    return definition.kind === Kind.OPERATION_DEFINITION && definition.operation === OperationTypeNode.SUBSCRIPTION;
  };
  const apollo = new ApolloClient({
    link: ApolloLink.split(isSubscription, new GraphQLWsLink(socket), httpLink),
    cache: new InMemoryCache(),
  });
  return {
    apollo,
    socket,
    dispose() {
      void socket.dispose();
      apollo.stop();
    },
  };
}
