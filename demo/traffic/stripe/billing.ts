/** A wholesale invoice paid today, and a dispute opened on one of the day's Stripe sales. */
import type { Day } from "../day";
import { unixSeconds } from "../formats";
import type { StripeSale } from "./sales";
import type { StripeSend } from "./send";

export const invoiceAndDisputeOfTheDay = (day: Day, send: StripeSend, sales: ReadonlyArray<StripeSale>) => {
  const { random, at, rows } = day;
  // A wholesale invoice paid today.
  const wholesale = sales[0]!;
  const invoiceId = `in_${random.hex(24)}`;
  const invoiceCreated = at(200);
  const invoiceObject = (status: string, paid: boolean) => ({
    id: invoiceId,
    object: "invoice",
    customer: wholesale.customer.stripeId,
    customer_email: wholesale.customer.email,
    status,
    number: `ACME-${random.int(1000, 9999)}`,
    currency: "usd",
    amount_due: 48_000,
    amount_paid: paid ? 48_000 : 0,
    amount_remaining: paid ? 0 : 48_000,
    total: 48_000,
    attempt_count: paid ? 1 : 0,
    billing_reason: "manual",
    subscription: null,
    payment_intent: null,
    created: unixSeconds(invoiceCreated),
  });
  send(0, "invoice.finalized", invoiceObject("open", false), invoiceCreated);
  send(1, "invoice.paid", invoiceObject("paid", true), new Date(invoiceCreated.getTime() + 3 * 3600_000));
  rows.push({ table: "invoices", key: { id: invoiceId }, field: "status", compare: "exact", value: "paid", note: "wholesale invoice paid" });
  // A dispute on an earlier charge.
  const disputed = sales[sales.length - 1]!;
  const disputeId = `dp_${random.hex(24)}`;
  const disputeCreated = at(1380);
  send(
    2,
    "charge.dispute.created",
    {
      id: disputeId,
      object: "dispute",
      amount: disputed.amount,
      currency: "usd",
      charge: disputed.id,
      payment_intent: disputed.intent,
      reason: "product_not_received",
      status: "needs_response",
      is_charge_refundable: false,
      evidence_details: { due_by: unixSeconds(disputeCreated) + 7 * 86_400, has_evidence: false, past_due: false, submission_count: 0 },
      created: unixSeconds(disputeCreated),
    },
    disputeCreated,
  );
  rows.push({ table: "disputes", key: { id: disputeId }, field: "status", compare: "exact", value: "needs_response", note: "dispute opened" });
};
