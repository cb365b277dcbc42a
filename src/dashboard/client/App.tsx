import { CombinedGraphQLErrors, type ErrorLike } from '@apollo/client';
import { useApolloClient, useMutation, useQuery, useSubscription } from '@apollo/client/react';
import { useEffect, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { ConnectionState } from './apollo';
import {
  AcknowledgeAlertDocument,
  AlertRulesDocument,
  BillingPageDocument,
  BillingTotalsDocument,
  CreateAlertRuleDocument,
  DashboardViewerDocument,
  DeleteAlertRuleDocument,
  LiveBillingAlertsDocument,
  LiveBillingStateDocument,
  PayInvoiceDocument,
  type AlertFieldsFragment,
  type AlertMetric,
  type AlertRuleFieldsFragment,
  type BillingPageQuery,
  type InvoiceSummaryFragment,
  type LiveBillingStateSubscription,
  type ThresholdDirection,
} from './gql/graphql';
import { withLiveInUse, type UsagePoint } from './live-series';
import { UsageChart } from './UsageChart';

type Organization = NonNullable<BillingPageQuery['organization']>;
type BillingState = LiveBillingStateSubscription['billingState'];

interface AppProps {
  connection: ConnectionState;
  /** Bumped each time the socket comes back after a drop. */
  reconnects: number;
  onSignOut(): void;
}

export function App({ connection, reconnects, onSignOut }: AppProps) {
  const viewer = useQuery(DashboardViewerDocument, { errorPolicy: 'all' });
  const who = viewer.data?.viewer;
  if (viewer.loading && !who) return <p className="loading">Loading…</p>;
  if (!who?.user || !who.organization) {
    return (
      <Notice title="Not signed in">
        The token was not accepted{viewer.error ? `: ${viewer.error.message}` : ''}.{' '}
        <button onClick={onSignOut}>Sign in again</button>
      </Notice>
    );
  }
  const managesBilling = who.permissions.includes('MANAGE_BILLING');
  return (
    <div className="dashboard">
      <header className="top">
        <div>
          <h1 data-testid="organization-name">{who.organization.name}</h1>
          <span className="muted">
            Billing · {who.user.name} ({who.user.role.toLowerCase()})
          </span>
        </div>
        <div className="top-right">
          <ConnectionBadge state={managesBilling ? connection : null} />
          <button className="link" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      {managesBilling ? (
        <BillingPage reconnects={reconnects} />
      ) : (
        <Notice title="Billing needs the MANAGE_BILLING permission" testId="forbidden">
          Your role ({who.user.role}) has {who.permissions.length ? who.permissions.join(', ') : 'no permissions'}. The
          seat count, invoices, credits, alerts and alert rules are shown to people whose role or override grants
          MANAGE_BILLING (R4); the API answers FORBIDDEN for each of them.
          <ForbiddenFields />
        </Notice>
      )}
    </div>
  );
}

/** Without MANAGE_BILLING the page still asks, and shows what the API said for each part (R4), not a broken page. */
function ForbiddenFields() {
  const page = useQuery(BillingPageDocument, { variables: { bucket: 'HOUR' }, errorPolicy: 'all' });
  const errors = page.error && CombinedGraphQLErrors.is(page.error) ? page.error.errors : [];
  if (page.loading) return null;
  return (
    <ul className="forbidden-fields">
      {errors.map((e, i) => (
        <li key={i}>
          <code>{(e.path ?? []).join('.')}</code>: {String(e.extensions?.code ?? '')} — {e.message}
        </li>
      ))}
    </ul>
  );
}

function BillingPage({ reconnects }: { reconnects: number }) {
  const client = useApolloClient();
  const page = useQuery(BillingPageDocument, { variables: { bucket: 'HOUR' }, errorPolicy: 'all' });
  const organization = page.data?.organization ?? null;
  const [live, setLive] = useState<BillingState | null>(null);
  const [points, setPoints] = useState<UsagePoint[] | null>(null);

  useEffect(() => {
    if (organization?.license) setPoints(organization.license.series);
  }, [organization?.license]);

  useSubscription(LiveBillingStateDocument, {
    onData: ({ data }) => {
      const state = data.data?.billingState;
      if (!state) return;
      setLive(state);
      setPoints((current) => (current ? withLiveInUse(current, state.inUse, state.at) : current));
    },
  });

  // Totals the push does not carry in full (invoice lines, the forecast) are asked again only when they moved.
  const shownTotal = organization?.upcomingInvoice?.total.cents;
  const shownCredits = organization?.creditBalance?.available;
  useEffect(() => {
    if (!live || shownTotal === undefined) return;
    if (live.upcomingInvoiceTotal.cents !== shownTotal || live.creditsAvailable !== shownCredits) {
      void client.query({ query: BillingTotalsDocument, fetchPolicy: 'network-only', errorPolicy: 'all' });
    }
  }, [live, shownTotal, shownCredits, client]);

  if (page.loading && !organization) return <p className="loading">Loading the billing page…</p>;
  if (!organization) return <Notice title="The billing page could not load">{errorText(page.error)}</Notice>;
  const fieldError = (field: string) => sectionError(page.error, field);

  return (
    <main className="grid">
      <Section title="Usage this period" className="wide" error={fieldError('license')}>
        {organization.license && organization.currentPeriod && (
          <Usage organization={organization} live={live} points={points ?? organization.license.series} />
        )}
      </Section>
      <Section title="Upcoming invoice" error={fieldError('upcomingInvoice')}>
        {organization.upcomingInvoice && <InvoiceLines invoice={organization.upcomingInvoice} />}
      </Section>
      <Section title="Credits" error={fieldError('creditBalance')}>
        <Credits organization={organization} live={live} />
      </Section>
      <Section title="Open invoices" error={fieldError('invoices')}>
        <OpenInvoices invoices={organization.invoices?.nodes ?? []} />
      </Section>
      <Section title="Alerts" className="wide" error={fieldError('alerts')}>
        <AlertFeed initial={organization.alerts?.nodes ?? []} reconnects={reconnects} />
      </Section>
      <Section title="Alert rules" className="wide" error={fieldError('alertRules')}>
        <AlertRules rules={organization.alertRules ?? []} licenseKind={organization.license?.kind ?? 'USER'} />
      </Section>
    </main>
  );
}

function Usage({
  organization,
  live,
  points,
}: {
  organization: Organization;
  live: BillingState | null;
  points: UsagePoint[];
}) {
  const license = organization.license!;
  const unit = license.kind === 'USER' ? 'Seats' : 'Locations';
  const inUse = live?.inUse ?? license.inUse;
  const contracted = live?.contracted ?? license.contracted;
  const peak = live?.peakThisPeriod ?? license.peakThisPeriod;
  const peakAt = live ? live.peakAt : license.peakAt;
  return (
    <>
      <div className="figures">
        <Figure label={`${unit} in use`} testId="in-use" value={inUse} warn={inUse > contracted} />
        <Figure label="Contracted" testId="contracted" value={contracted} />
        <Figure label="Peak this period (billed)" testId="peak" value={peak} warn={peak > contracted} />
        <Figure label={`Price per ${unit === 'Seats' ? 'seat' : 'location'}`} value={license.unitPrice.formatted} />
      </div>
      <UsageChart
        points={points}
        periodStart={organization.currentPeriod!.start}
        periodEnd={organization.currentPeriod!.end}
        contracted={contracted}
        peak={peak}
        peakAt={peakAt ?? null}
        unit={unit}
      />
    </>
  );
}

function Credits({ organization, live }: { organization: Organization; live: BillingState | null }) {
  const balance = organization.creditBalance;
  const forecast = organization.forecast;
  if (!balance) return null;
  return (
    <div className="figures">
      <Figure label="Credits available" testId="credits" value={live?.creditsAvailable ?? balance.available} />
      <Figure label="Used this period" value={balance.consumedThisPeriod} />
      <Figure
        label="Overage this period"
        value={`${live?.creditOverageThisPeriod ?? balance.overageThisPeriod} (${balance.overageCharge.formatted})`}
      />
      {forecast && (
        <>
          <Figure label="Burn per day" value={forecast.creditBurnPerDay.toFixed(1)} />
          <Figure
            label="Credits run out"
            testId="exhausted-at"
            value={
              forecast.creditsExhaustedAt
                ? new Date(forecast.creditsExhaustedAt).toLocaleDateString()
                : 'not at this rate'
            }
          />
          <Figure label="Projected invoice" value={forecast.projectedInvoiceTotal.formatted} />
        </>
      )}
    </div>
  );
}

function InvoiceLines({ invoice }: { invoice: InvoiceSummaryFragment }) {
  return (
    <table className="lines" data-testid={`invoice-${invoice.status.toLowerCase()}`}>
      <tbody>
        {invoice.lineItems.map((line, i) => (
          <tr key={i}>
            <td>{line.description}</td>
            <td className="num">
              {line.quantity} × {line.unitPrice.formatted}
            </td>
            <td className="num">{line.amount.formatted}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th colSpan={2}>Total</th>
          <th className="num" data-testid="invoice-total">
            {invoice.total.formatted}
          </th>
        </tr>
      </tfoot>
    </table>
  );
}

function OpenInvoices({ invoices }: { invoices: InvoiceSummaryFragment[] }) {
  const open = invoices.filter((invoice) => invoice.status === 'OPEN');
  if (open.length === 0) return <p className="muted">No open invoices.</p>;
  return (
    <ul className="invoices">
      {open.map((invoice) => (
        <PayableInvoice key={invoice.id} invoice={invoice} />
      ))}
    </ul>
  );
}

function PayableInvoice({ invoice }: { invoice: InvoiceSummaryFragment }) {
  const [pay, { loading, error }] = useMutation(PayInvoiceDocument);
  return (
    <li>
      <strong>{invoice.number}</strong> · due {invoice.dueAt ? new Date(invoice.dueAt).toLocaleDateString() : '—'} ·{' '}
      {invoice.amountDue.formatted}{' '}
      <button
        disabled={loading}
        // One idempotency key per click (R19): a retried request never charges twice; a second click is a new attempt.
        onClick={() =>
          void pay({ variables: { invoiceId: invoice.id, idempotencyKey: crypto.randomUUID() } }).catch(() => undefined)
        }
      >
        {loading ? 'Paying…' : 'Pay'}
      </button>
      {error && <div className="error">{errorText(error)}</div>}
    </li>
  );
}

/**
 * The alert feed: the newest alerts from the page's query, then billingAlerts(sinceAlertId:) from the newest one seen
 * (R11) — after a dropped socket it subscribes again from the last alert received, so nothing is missed, and an alert
 * the replay repeats is shown once (by id).
 */
function AlertFeed({ initial, reconnects }: { initial: AlertFieldsFragment[]; reconnects: number }) {
  const [alerts, setAlerts] = useState<Map<string, AlertFieldsFragment>>(() => new Map(initial.map((a) => [a.id, a])));
  const newest = useRef<AlertFieldsFragment | null>(initial.reduce<AlertFieldsFragment | null>(newerOf, null));
  const [since, setSince] = useState<string | null>(newest.current?.id ?? null);
  useEffect(() => {
    if (reconnects > 0) setSince(newest.current?.id ?? null);
  }, [reconnects]);

  useSubscription(LiveBillingAlertsDocument, {
    variables: { sinceAlertId: since },
    onData: ({ data }) => {
      const alert = data.data?.billingAlerts;
      if (!alert) return;
      newest.current = newerOf(newest.current, alert);
      setAlerts((current) => {
        const next = new Map(current).set(alert.id, alert);
        // A resolution (R25, R26) ends the alert it resolves.
        const resolved = alert.resolves && next.get(alert.resolves.id);
        if (resolved) next.set(resolved.id, { ...resolved, active: alert.resolves!.active });
        return next;
      });
    },
  });
  const [acknowledge] = useMutation(AcknowledgeAlertDocument);
  const list = useMemo(() => [...alerts.values()].sort((a, b) => b.sequence - a.sequence), [alerts]);
  if (list.length === 0) return <p className="muted">No alerts yet.</p>;
  return (
    <ol className="alerts" data-testid="alerts">
      {list.map((alert) => (
        <li key={alert.id} className={alert.active ? 'active' : 'inactive'} data-kind={alert.kind}>
          <span className="kind">{alert.kind.replace(/_/g, ' ').toLowerCase()}</span> {alert.message}{' '}
          <span className="muted">
            #{alert.sequence} · {new Date(alert.createdAt).toLocaleString()}
            {alert.active ? '' : ' · resolved'}
          </span>{' '}
          {alert.acknowledgedAt ? (
            <span className="muted">acknowledged</span>
          ) : (
            <button
              className="small"
              onClick={() =>
                void acknowledge({ variables: { id: alert.id } })
                  .then((result) => {
                    const acknowledgedAt = result.data?.acknowledgeAlert.acknowledgedAt ?? null;
                    setAlerts((current) => new Map(current).set(alert.id, { ...alert, acknowledgedAt }));
                  })
                  .catch(() => undefined)
              }
            >
              Acknowledge
            </button>
          )}
        </li>
      ))}
    </ol>
  );
}

function newerOf(a: AlertFieldsFragment | null, b: AlertFieldsFragment): AlertFieldsFragment {
  return a && a.sequence >= b.sequence ? a : b;
}

const METRICS: Record<AlertMetric, string> = {
  SEATS_IN_USE: 'Seats in use',
  LOCATIONS_IN_USE: 'Locations in use',
  CREDITS_AVAILABLE: 'Credits available',
  CREDIT_OVERAGE_THIS_PERIOD: 'Credit overage this period',
  UPCOMING_INVOICE_TOTAL_CENTS: 'Upcoming invoice total (cents)',
};

function AlertRules({ rules, licenseKind }: { rules: AlertRuleFieldsFragment[]; licenseKind: string }) {
  const refetch = { refetchQueries: [{ query: AlertRulesDocument }], awaitRefetchQueries: true };
  const [create, creating] = useMutation(CreateAlertRuleDocument, refetch);
  const [remove, removing] = useMutation(DeleteAlertRuleDocument, refetch);
  // R26: a rule over the other license model's metric is BAD_USER_INPUT; the form does not offer it.
  const metrics = (Object.keys(METRICS) as AlertMetric[]).filter((m) =>
    licenseKind === 'USER' ? m !== 'LOCATIONS_IN_USE' : m !== 'SEATS_IN_USE',
  );
  const [metric, setMetric] = useState<AlertMetric>(metrics[0]);
  const [direction, setDirection] = useState<ThresholdDirection>('ABOVE');
  const [threshold, setThreshold] = useState('5');
  const [email, setEmail] = useState(false);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const channels = email ? (['DASHBOARD', 'EMAIL'] as const) : (['DASHBOARD'] as const);
    void create({
      variables: { input: { metric, direction, threshold: Number(threshold), channels: [...channels] } },
    }).catch(() => undefined);
  };
  return (
    <>
      {rules.length === 0 ? (
        <p className="muted">No rules yet.</p>
      ) : (
        <table className="rules" data-testid="alert-rules">
          <tbody>
            {rules.map((rule) => (
              <tr key={rule.id}>
                <td>
                  {METRICS[rule.metric]} {rule.direction === 'ABOVE' ? '>' : '<'} {rule.threshold}
                </td>
                <td>{rule.channels.join(' + ').toLowerCase()}</td>
                <td>{rule.crossed ? <span className="warn">crossed</span> : 'within'}</td>
                <td>
                  <button
                    className="small"
                    disabled={removing.loading}
                    onClick={() => void remove({ variables: { id: rule.id } }).catch(() => undefined)}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="rule-form" onSubmit={submit}>
        <select aria-label="Metric" value={metric} onChange={(e) => setMetric(e.target.value as AlertMetric)}>
          {metrics.map((m) => (
            <option key={m} value={m}>
              {METRICS[m]}
            </option>
          ))}
        </select>
        <select
          aria-label="Direction"
          value={direction}
          onChange={(e) => setDirection(e.target.value as ThresholdDirection)}
        >
          <option value="ABOVE">above</option>
          <option value="BELOW">below</option>
        </select>
        <input
          aria-label="Threshold"
          type="number"
          min={0}
          step={1}
          value={threshold}
          onChange={(e) => setThreshold(e.target.value)}
        />
        <label>
          <input type="checkbox" checked={email} onChange={(e) => setEmail(e.target.checked)} /> also by email
        </label>
        <button type="submit" disabled={creating.loading}>
          Add rule
        </button>
      </form>
      {(creating.error || removing.error) && <div className="error">{errorText(creating.error ?? removing.error)}</div>}
    </>
  );
}

function ConnectionBadge({ state }: { state: ConnectionState | null }) {
  if (!state) return null;
  const text = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' }[state];
  return (
    <span className={`badge ${state}`} data-testid="connection" data-state={state}>
      {text}
    </span>
  );
}

function Section({
  title,
  error,
  className,
  children,
}: {
  title: string;
  error: string | null;
  className?: string;
  children: ReactNode;
}) {
  return (
    <section className={`card ${className ?? ''}`}>
      <h2>{title}</h2>
      {error ? <p className="error">{error}</p> : children}
    </section>
  );
}

function Figure({ label, value, testId, warn }: { label: string; value: ReactNode; testId?: string; warn?: boolean }) {
  return (
    <div className={`figure ${warn ? 'warn' : ''}`}>
      <div className="value" data-testid={testId}>
        {value}
      </div>
      <div className="label">{label}</div>
    </div>
  );
}

function Notice({ title, children, testId }: { title: string; children: ReactNode; testId?: string }) {
  return (
    <div className="notice" data-testid={testId}>
      <h2>{title}</h2>
      <div>{children}</div>
    </div>
  );
}

/** A field of the page the API refused, with its code and message (FORBIDDEN under R4 among them). */
function sectionError(error: ErrorLike | undefined, field: string): string | null {
  if (!error || !CombinedGraphQLErrors.is(error)) return null;
  const refused = error.errors.find((e) => e.path?.[0] === 'organization' && e.path?.[1] === field);
  return refused ? `${String(refused.extensions?.code ?? 'ERROR')}: ${refused.message}` : null;
}

function errorText(error: ErrorLike | undefined): string {
  if (!error) return '';
  if (CombinedGraphQLErrors.is(error)) {
    return error.errors.map((e) => `${String(e.extensions?.code ?? 'ERROR')}: ${e.message}`).join('; ');
  }
  return error.message;
}
