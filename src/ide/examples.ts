import { randomBytes, randomUUID } from 'node:crypto';

/** One tab of the IDE on a first visit: an operation (its name is the tab's title) and its variables. */
export interface ExampleTab {
  query: string;
  variables?: string;
}

export interface ExampleContext {
  /** Set when the page prefills the demo admin's token (embedded default with demo data). */
  demo: { organizationId: string; contractedSeats: number; activeUsers: number } | null;
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

/**
 * The example operations a first visit opens with, written against the public contract: the billing dashboard,
 * the live alerts, the live counters, an alert trigger, buying credits, paying an invoice, the forecast with the
 * usage series, an alert rule, the evidence of the peak (R30), the audit log (R31), a what-if price of a change (R32) and (operators) a
 * credit note. Idempotency keys and e-mails are fresh on every render, so running a tab as it stands does what its
 * comment says.
 */
export function exampleTabs({ demo }: ExampleContext): ExampleTab[] {
  const tokenHint = demo
    ? `# Headers (below) hold a token for the demo admin of
# Acme Logistics, signed when this page loaded.`
    : `# Put a token in Headers (below) to sign in:
#   {"authorization": "Bearer <JWT>"}
# a JWT from your identity provider (development:
# npm run token -- EMAIL).`;
  // Production lets only a signed-in caller introspect (R36): Docs and autocomplete come with the token.
  const docsHint = demo
    ? `# Docs (top left) explain every field and the rule it
# follows (R1…R36).`
    : `# Once Headers hold a valid token, Docs (top left) and
# autocomplete load: they explain every field and the
# rule it follows (R1…R36).`;
  const seats =
    demo && demo.activeUsers >= demo.contractedSeats
      ? `# The demo contract has ${demo.contractedSeats} seats and ${demo.activeUsers} active
# users, so this one is beyond it:`
      : demo
        ? `# The demo contract has ${demo.contractedSeats} seats and ${demo.activeUsers} active
# users; each one beyond the seats is`
        : '# A user beyond the contracted seats (USER model) is';
  return [
    {
      query: `# The Billing page in one request: run it with ▶
# (or Ctrl-Enter).
${tokenHint}
${docsHint} @hasPermission fields need that
# permission (R4): without it they answer null and a
# FORBIDDEN error.
query BillingDashboard {
  viewer { user { name email role } permissions }
  organization {
    id
    name
    status
    currentPeriod { start end }
    contract {
      licenseModel
      billingInterval
      contractedSeats
      seatPrice { formatted }
      contractedLocations
      locationPrice { formatted }
      allowOverage
    }
    license {
      kind
      contracted
      inUse
      available
      overage
      peakThisPeriod
      peakAt
      unitPrice { formatted }
    }
    creditBalance {
      available
      consumedThisPeriod
      overageThisPeriod
      overageCharge { formatted }
      lots { source remaining expiresAt }
    }
    upcomingInvoice {
      periodStart
      periodEnd
      total { formatted }
      lineItems {
        kind
        description
        quantity
        unitPrice { formatted }
        amount { formatted }
      }
    }
    invoices(status: OPEN, first: 5) {
      totalCount
      nodes { id number status dueAt amountDue { formatted } }
    }
    paymentMethod { brand last4 expMonth expYear }
    alerts(unacknowledgedOnly: true, first: 5) {
      totalCount
      nodes {
        id
        kind
        message
        createdAt
        estimatedAdditionalCharge { formatted }
      }
    }
  }
}
`,
    },
    {
      query: `# Live billing alerts (R11), over graphql-ws on this
# same /graphql path. Run it and leave it running (here,
# switching tabs stops it); then open this page in a 2nd
# browser window and run its AddUser tab: a user beyond
# the contracted seats raises SEAT_OVERAGE (a location
# beyond the contracted locations: LOCATION_OVERAGE),
# once per new period-high (R25); back within the
# contract, SEAT_OVERAGE_RESOLVED ends it.
# After a reconnect,
#   billingAlerts(sinceAlertId: "<the last id seen>")
# first delivers the alerts you missed.
subscription BillingAlerts {
  billingAlerts {
    id
    kind
    message
    createdAt
    contracted
    inUse
    estimatedAdditionalCharge { formatted }
    active
    resolves { id kind }
  }
}
`,
    },
    {
      query: `# The live counters of the Billing page (R27), over
# graphql-ws: the state at once, then after every committed
# change that moves it — users added or deactivated,
# credits bought or consumed, a lot expiring, the period
# closing — at most one push per 250 ms (changes in
# between are coalesced; the latest state always comes).
# Leave it running and run AddUser in a 2nd window: inUse
# and upcomingInvoiceTotal move. Operators name the
# organization: billingState(organizationId: "…").
subscription BillingState {
  billingState {
    licenseKind
    contracted
    inUse
    peakThisPeriod
    peakAt
    creditsAvailable
    creditOverageThisPeriod
    upcomingInvoiceTotal { formatted }
    at
  }
}
`,
    },
    {
      query: `# Triggers an alert for BillingAlerts (running in
# another window).
${seats}
# billed as SEAT_OVERAGE and announced live (R8, R9, R11),
# once per new period-high (R25): a user beyond the period's
# peak so far alerts; one back at the same level does not.
# E-mails are unique: to run it again, change the one in
# Variables. deactivateUser(id:) frees the seat (R8) and,
# back within the contract, raises SEAT_OVERAGE_RESOLVED.
mutation AddUser($input: AddUserInput!) {
  addUser(input: $input) { id email name role status }
}
`,
      variables: json({
        input: { email: `new.hire.${randomBytes(3).toString('hex')}@acme.example`, name: 'New Hire', role: 'EMPLOYEE' },
      }),
    },
    {
      query: `# Buys credits now (R12, R13): charged at once to the
# payment method on file; they never expire. Volume price:
# 100+ 10 % off, 500+ 15 %, 1000+ 20 %; see it first with
#   query { creditQuote(quantity: 100) {
#     discountPercent total { formatted } } }
# The same idempotencyKey never charges twice: a new
# purchase needs a new key. No payment method yet? First:
#   mutation { updatePaymentMethod(token: "tok_visa") {
#     brand last4 } }
mutation PurchaseCredits($quantity: Int!, $idempotencyKey: String!) {
  purchaseCredits(quantity: $quantity, idempotencyKey: $idempotencyKey) {
    id
    quantity
    total { formatted }
    lot { id source remaining expiresAt }
    payment { status amount { formatted } failureCode }
  }
}
`,
      variables: json({ quantity: 100, idempotencyKey: randomUUID() }),
    },
    {
      query: `# Pays an open invoice (R19) with the payment method on
# file. Take an id from BillingDashboard's
# invoices(status: OPEN). None yet? A platform operator
# (npm run token -- --operator) can close the period now:
#   mutation { closeBillingPeriod(organizationId:
#     "${demo?.organizationId ?? '<organization id>'}")
#     { id number } }
# The same key and arguments return the first result and
# never charge twice. A PAID invoice: ALREADY_PAID. A
# declined card: a FAILED payment, a PAYMENT_FAILED alert,
# and the invoice stays OPEN.
mutation PayInvoice($invoiceId: ID!, $idempotencyKey: String!) {
  payInvoice(invoiceId: $invoiceId, idempotencyKey: $idempotencyKey) {
    id
    number
    status
    amountPaid { formatted }
    amountDue { formatted }
    payments { status amount { formatted } failureCode createdAt }
  }
}
`,
      variables: json({ invoiceId: 'an OPEN invoice id from BillingDashboard', idempotencyKey: randomUUID() }),
    },
    {
      query: `# Where billing is heading (R28) and how use went (R29).
# forecast: credits used per day over the trailing 30
# days, when the balance runs out at that pace (null
# while nothing is used), and the upcoming invoice total
# plus the overage credits that pace adds by the period
# end. Use credits (startTraining) and run it again.
# license.series: per UTC day (or bucket: HOUR) of the
# current period, the most in use at one time and the
# in use at its end (now for the current one); narrow it
# with from: / to: (at most 800 points).
query Forecast {
  organization {
    currentPeriod { start end }
    creditBalance { available consumedThisPeriod }
    upcomingInvoice { total { formatted } }
    forecast {
      creditBurnPerDay
      creditsExhaustedAt
      projectedInvoiceTotal { formatted }
    }
    license {
      kind
      contracted
      series(bucket: DAY) { start peak end }
    }
  }
}
`,
    },
    {
      query: `# An alert rule (R26): THRESHOLD_CROSSED reaches
# BillingAlerts once when the metric goes past the
# threshold (ABOVE: value > threshold, BELOW: value <
# threshold), THRESHOLD_RESOLVED once when it comes back.
# Evaluated inside every change that moves it; one that
# holds already raises at once. EMAIL also mails the
# billing contacts (R22). Up to 25 rules; list them with
#   query { organization { alertRules { id metric
#     threshold crossed } } }
# updateAlertRule(id:, input:) and deleteAlertRule(id:)
# change or remove one (its alerts stay, rule: null).
mutation CreateAlertRule($input: AlertRuleInput!) {
  createAlertRule(input: $input) {
    id
    metric
    direction
    threshold
    channels
    enabled
    crossed
    lastTriggeredAt
  }
}
`,
      variables: json({
        input: { metric: 'SEATS_IN_USE', direction: 'ABOVE', threshold: 5, channels: ['DASHBOARD', 'EMAIL'] },
      }),
    },
    {
      query: `# Who made the peak (R30): the users (USER) or the
# locations (LOCATION) in use at peakAt — exactly
# peakThisPeriod of them — each with when it became
# active, oldest first. Page on with after: endCursor.
# Every license line of an issued invoice (SEATS and
# SEAT_OVERAGE alike) carries the evidence of its billed
# peak, frozen when it was issued: later activity never
# changes it. Credit lines have none (null).
query PeakEvidence {
  organization {
    license {
      kind
      peakThisPeriod
      peakAt
      peakEvidence(first: 20) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes {
          activeSince
          user { id name email }
          location { id name }
        }
      }
    }
    invoices(first: 1) {
      nodes {
        number
        lineItems {
          kind
          quantity
          peakAt
          evidence(first: 5) {
            totalCount
            nodes { activeSince user { name } location { name } }
          }
        }
      }
    }
  }
}
`,
    },
    {
      query: `# The audit log (R31): every billing-relevant change,
# newest first — who (a USER, an OPERATOR by its token
# subject, or the SYSTEM scheduler), what (action,
# target), the fields changed as { before, after }, the
# reason given and the request id (the X-Request-Id of
# the response, and of the request log). Narrow it with
# action:, actorId: (a user), targetId: or since:, and
# page with first: / after: (pageInfo.endCursor).
# Never a token, card detail or secret.
query AuditLog {
  organization {
    auditLog(first: 20) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        createdAt
        action
        actorKind
        actor { name email }
        actorSubject
        targetType
        targetId
        changes
        reason
        requestId
      }
    }
  }
}
`,
    },
    {
      query: `# What a change would cost before making it (R32):
# users (seatDelta) or locations (locationDelta) added
# (+) or removed (-) now, a credit purchase, another
# contract — alone or together. current is the upcoming
# invoice as it is, proposed as it would be (its own id,
# so both stay in a client cache), computed by the same
# lines and writing nothing. chargedNow: what the credit
# purchase charges at once. alerts: what the change would
# raise; allowed: false when the contract refuses it
# (allowOverage false). Then make it for real (AddUser,
# PurchaseCredits) and compare with upcomingInvoice.
query PreviewBillingChange($input: BillingChangeInput!) {
  previewBillingChange(input: $input) {
    current { id total { formatted } }
    proposed {
      id
      total { formatted }
      lineItems { kind description amount { formatted } }
    }
    difference { formatted }
    chargedNow { formatted }
    alerts
    allowed
  }
}
`,
      variables: json({ input: { seatDelta: 3, creditPurchase: 100 } }),
    },
    {
      query: `# Operators only (R33): needs an operator token in
# Headers (npm run token -- --operator); anyone else gets
# FORBIDDEN. A credit note corrects an issued invoice:
# on an OPEN one it lowers the amount due (at zero the
# invoice is PAID, with no charge); on a PAID one the
# amount is refunded to the card (a REFUND payment).
# Numbered CN-000001… per organization, never changed.
# At most the total less earlier notes (BAD_USER_INPUT).
# The same key and arguments return the same note and
# never refund twice. Take an invoice id from
# BillingDashboard's invoices.
mutation IssueCreditNote($invoiceId: ID!, $amountCents: SafeInt!, $reason: CreditNoteReason!, $memo: String, $idempotencyKey: String!) {
  issueCreditNote(invoiceId: $invoiceId, amountCents: $amountCents, reason: $reason, memo: $memo, idempotencyKey: $idempotencyKey) {
    id
    number
    amount { formatted }
    refunded { formatted }
    reason
    invoice { number status amountDue { formatted } credited { formatted } }
  }
}
`,
      variables: json({
        invoiceId: 'an OPEN or PAID invoice id from BillingDashboard',
        amountCents: 500,
        reason: 'GOODWILL',
        memo: 'Sorry for the outage',
        idempotencyKey: randomUUID(),
      }),
    },
  ];
}
