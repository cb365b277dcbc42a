import { createTransport } from 'nodemailer';
import type { Logger } from 'pino';

/** One mail as the outbox hands it to a transport (R24): already rendered at enqueue time. */
export interface OutgoingMail {
  /** Derived from the notification id, so a duplicate delivery is recognisable (same Message-ID). */
  messageId: string;
  notificationId: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
}

export interface MailReceipt {
  /** Recipients the server refused although it took the message for the others. */
  rejected: string[];
  response: string;
}

/** Where mail goes: SMTP (SMTP_URL) or, without it, the log. A thrown error is a failed attempt (retried). */
export interface MailTransport {
  readonly kind: 'smtp' | 'log';
  send(mail: OutgoingMail): Promise<MailReceipt>;
  close(): void;
}

/**
 * Every SMTP exchange ends (accepted, refused or timed out) well within the outbox claim lease, so a
 * claim is never taken over while its worker may still be talking to the server.
 */
export const SMTP_TIMEOUTS_MS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 } as const;

export function createMailTransport(config: { smtpUrl?: string; mailFrom: string }, log: Logger): MailTransport {
  return config.smtpUrl ? smtpTransport(config.smtpUrl, config.mailFrom) : logTransport(config.mailFrom, log);
}

/**
 * `smtp://user:pass@host:587` (STARTTLS when offered), `smtps://…:465`, plus nodemailer's URL query options
 * (e.g. `?requireTLS=true`). One connection per message.
 */
function smtpTransport(smtpUrl: string, from: string): MailTransport {
  const transporter = createTransport({ ...SMTP_TIMEOUTS_MS, url: smtpUrl });
  return {
    kind: 'smtp',
    async send(mail) {
      const info = await transporter.sendMail({
        from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: mail.messageId,
        headers: { 'X-Opus-Notification-Id': mail.notificationId },
      });
      return { rejected: (info.rejected ?? []).map(String), response: info.response ?? '' };
    },
    close: () => transporter.close(),
  };
}

/** Without SMTP_URL (development, the embedded default): the mail is written to the log and counts as sent. */
function logTransport(from: string, log: Logger): MailTransport {
  return {
    kind: 'log',
    async send(mail) {
      log.info(
        {
          messageId: mail.messageId,
          notificationId: mail.notificationId,
          from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
        },
        'mail (no SMTP_URL: written to the log)',
      );
      return { rejected: [], response: 'logged' };
    },
    close: () => undefined,
  };
}

/** `<notification.ID@domain>` with the domain of the From address. */
export function messageIdFor(notificationId: string, mailFrom: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(mailFrom)?.[1] ?? 'opus.so';
  return `<notification.${notificationId}@${domain}>`;
}
