import { Notification, NotificationKind, NotificationStatus } from '../../entities';
import type { RenderedMail } from '../notifications/templates';
import { Clock } from '../common/clock';
import type { ServiceContext } from './service-context';

export interface NewNotification {
  organizationId: string;
  invoiceId?: string | null;
  kind: NotificationKind;
  offsetDays?: number | null;
  recipients: string[];
  mail: RenderedMail;
  /** When it is written and first due for delivery; default now. Scheduled jobs pass their `asOf` (the test clock's instant). */
  at?: Date;
}

/** R24: the outbox. A notification row is written in the transaction that causes it; delivery comes after. */
export class OutboxWriter {
  constructor(private readonly clock: Clock) {}

  async enqueue(tx: ServiceContext, n: NewNotification): Promise<Notification> {
    const now = n.at ?? this.clock.now();
    return tx.em.save(
      tx.em.create(Notification, {
        organizationId: n.organizationId,
        invoiceId: n.invoiceId ?? null,
        kind: n.kind,
        offsetDays: n.offsetDays ?? null,
        recipients: n.recipients,
        subject: n.mail.subject,
        textBody: n.mail.text,
        htmlBody: n.mail.html,
        status: NotificationStatus.PENDING,
        attempts: 0,
        nextAttemptAt: now,
        claimedUntil: null,
        claimToken: null,
        lastError: null,
        createdAt: now,
        sentAt: null,
      }),
    );
  }
}
