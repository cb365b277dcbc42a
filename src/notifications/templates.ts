import { CreditNote, Invoice, NotificationKind } from '../../entities';
import { amountDueCents, formatUsd } from '../common/money';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const day = (d: Date) =>
  d.toLocaleDateString('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' });
const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function mail(subject: string, lines: string[], link?: { href: string; label: string }): RenderedMail {
  const text = [...lines, ...(link ? ['', `${link.label}: ${link.href}`] : [])].join('\n');
  const html = `<!doctype html><html><body style="font-family:sans-serif">${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('')}${
    link ? `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a></p>` : ''
  }</body></html>`;
  return { subject, text, html };
}

/** Mail for one invoice event: invoice number, amount due, due date and a link to the Billing page. */
export function invoiceMail(
  kind: NotificationKind,
  invoice: Invoice,
  orgName: string,
  portalUrl: string,
  offsetDays?: number | null,
  failureCode?: string | null,
): RenderedMail {
  const due = formatUsd(amountDueCents(invoice));
  const link = {
    href: `${portalUrl.replace(/\/$/, '')}/invoices/${invoice.id}`,
    label: `View invoice ${invoice.number}`,
  };
  switch (kind) {
    case NotificationKind.INVOICE_ISSUED:
      return mail(
        `Invoice ${invoice.number} from Opus: ${due} due ${day(invoice.dueAt)}`,
        [
          `A new invoice for ${orgName} is ready.`,
          `Invoice ${invoice.number} for ${day(invoice.periodStart)} – ${day(invoice.periodEnd)}.`,
          `Amount due: ${due}. Due date: ${day(invoice.dueAt)}.`,
        ],
        link,
      );
    case NotificationKind.INVOICE_REMINDER:
      return mail(
        `Reminder: invoice ${invoice.number} (${due}) is due in ${offsetDays} day${offsetDays === 1 ? '' : 's'}`,
        [`Invoice ${invoice.number} for ${orgName} is due on ${day(invoice.dueAt)}.`, `Amount due: ${due}.`],
        link,
      );
    case NotificationKind.PAYMENT_RECEIPT:
      return mail(
        `Receipt: payment for invoice ${invoice.number}`,
        [
          `Thank you: we received ${formatUsd(invoice.amountPaidCents)} for invoice ${invoice.number} (${orgName}).`,
          `Amount due: ${due}.`,
        ],
        link,
      );
    case NotificationKind.PAYMENT_FAILED:
      return mail(
        `Payment failed for invoice ${invoice.number}`,
        [
          `We could not charge the payment method on file for invoice ${invoice.number} (${orgName})${failureCode ? `: ${failureCode.replace(/_/g, ' ')}` : ''}.`,
          `Amount due: ${due}. Due date: ${day(invoice.dueAt)}. Please update the payment method and pay the invoice.`,
        ],
        link,
      );
    default:
      throw new Error(`no invoice mail for ${kind}`);
  }
}

/**
 * R33: a credit note was issued on an invoice (CREDIT_NOTE_ISSUED): what it credits, what went back to the card,
 * and the invoice's amount due after it. `invoice` is as the note left it.
 */
export function creditNoteMail(note: CreditNote, invoice: Invoice, orgName: string, portalUrl: string): RenderedMail {
  const lines = [
    `Credit note ${note.number} for ${orgName} credits ${formatUsd(note.amountCents)} on invoice ${invoice.number}.`,
    note.refundedCents > 0
      ? `${formatUsd(note.refundedCents)} is refunded to the card that paid the invoice.`
      : `The amount due on invoice ${invoice.number} is now ${formatUsd(amountDueCents(invoice))}.`,
  ];
  if (note.memo) lines.push(`Note: ${note.memo}`);
  return mail(
    `Credit note ${note.number} from Opus: ${formatUsd(note.amountCents)} on invoice ${invoice.number}`,
    lines,
    {
      href: `${portalUrl.replace(/\/$/, '')}/invoices/${invoice.id}`,
      label: `View invoice ${invoice.number}`,
    },
  );
}

export function terminationMail(
  orgName: string,
  organizationId: string,
  reason: string | null,
  portalUrl: string,
): RenderedMail {
  return mail(
    `Termination requested: ${orgName}`,
    [
      `${orgName} (organization ${organizationId}) has requested termination of its Opus contract.`,
      `Reason: ${reason?.trim() || 'none given'}.`,
      'Payment obligations survive termination: open invoices stay payable.',
    ],
    { href: portalUrl, label: 'Open the Billing page' },
  );
}

/** R26: a billing alert raised by an alert rule with the EMAIL channel (NotificationKind.BILLING_ALERT). */
export function billingAlertMail(orgName: string, subject: string, statement: string, portalUrl: string): RenderedMail {
  return mail(
    `${subject}: ${orgName}`,
    [statement, 'You receive this because an alert rule on the Billing page sends its alerts by email.'],
    { href: portalUrl, label: 'Open the Billing page' },
  );
}
