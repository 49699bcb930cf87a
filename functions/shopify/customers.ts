/** Customers into the customers hot store; customers/delete leaves a tombstone without personal data. */
import { Effect } from "effect";
import type { Item } from "../kernel/services";
import { decodeEvent, withApiVersion } from "./event-identity";
import { compact, decodePayload, gid, gidOf, idText, legacyIdOf, tagList, utc, utcOrUndefined } from "./keys";
import { upsertNewer, writeTombstone, type TopicHandler } from "./processor";
import { Customer, Deletion, moneyText } from "./schemas";

const decodeCustomer = decodePayload(Customer, "customer");
const decodeDeletion = decodePayload(Deletion, "deletion");

export const customerItem = (customer: Customer): Item => {
  const id = gidOf("Customer", customer);
  return compact({
    id,
    legacy_id: legacyIdOf(id),
    email: customer.email,
    first_name: customer.first_name,
    last_name: customer.last_name,
    phone: customer.phone,
    state: customer.state,
    verified_email: customer.verified_email ?? undefined,
    email_marketing_state: customer.email_marketing_consent?.state ?? undefined,
    tags: tagList(customer.tags),
    currency: customer.currency,
    orders_count: customer.orders_count ?? undefined,
    total_spent: customer.total_spent != null ? moneyText(customer.total_spent) : undefined,
    country_code: customer.default_address?.country_code ?? undefined,
    province_code: customer.default_address?.province_code ?? undefined,
    created_at: utcOrUndefined(customer.created_at),
    updated_at: utc(customer.updated_at),
  });
};

const handleCustomer: TopicHandler = (event) =>
  Effect.flatMap(decodeEvent(decodeCustomer, event), (customer) => Effect.asVoid(upsertNewer("customers", withApiVersion(customerItem(customer), event))));

const handleCustomerDelete: TopicHandler = (event) =>
  Effect.flatMap(decodeEvent(decodeDeletion, event), (deletion) =>
    Effect.asVoid(writeTombstone("customers", { id: gid("Customer", deletion.id) }, event, withApiVersion({ legacy_id: idText(deletion.id) }, event))),
  );

export const customerHandlers: Readonly<Record<string, TopicHandler>> = {
  "customers/create": handleCustomer,
  "customers/update": handleCustomer,
  "customers/enable": handleCustomer,
  "customers/disable": handleCustomer,
  "customers/delete": handleCustomerDelete,
};
