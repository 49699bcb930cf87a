/** The shop's customers: returning ones from before today and new ones who sign up today. */
import type { Day } from "../day";
import { gid, money, shopifyTime } from "../formats";
import { cities, firstNames, lastNames, type Customer } from "../shop";
import type { ShopifySend } from "./send";

export interface CustomersOfTheDay {
  readonly customers: ReadonlyArray<Customer>;
  /** Sends the customer as of `when` (customers/create the first time a new customer is seen, customers/update after). */
  readonly touch: (wave: number, customer: Customer, when: Date) => void;
  /** Appends, per customer sent today, the row holding its newest update (call once every touch is done). */
  readonly expectNewest: () => void;
}

export const customersOfTheDay = (day: Day, send: ShopifySend): CustomersOfTheDay => {
  const { random, at, rows } = day;
  const customers: Customer[] = Array.from({ length: Math.max(6, Math.round(day.orderCount * 0.6)) }, (_, index) => {
    const firstName = random.pick(firstNames);
    const lastName = random.pick(lastNames);
    const returning = index % 3 === 0;
    const place = random.pick(cities);
    return {
      id: 7_310_220_000_000 + index * 131 + random.int(0, 99),
      firstName,
      lastName,
      email: `${firstName}.${lastName}.${index}@example.com`.toLowerCase().replace(/[^a-z0-9.@]/g, ""),
      phone: `+1555${String(random.int(1_000_000, 9_999_999))}`,
      address: { ...place, address1: `${random.int(1, 999)} ${random.pick(["Oak", "Pine", "Maple", "Cedar"])} St` },
      createdAt: returning ? new Date(day.start.getTime() - random.int(20, 300) * 86_400_000) : at(random.int(5, 55)),
      rechargeId: 98_000_000 + index * 17,
      stripeId: `cus_${random.hex(14)}`,
      ordersCount: returning ? random.int(1, 6) : 0,
      totalSpentCents: returning ? random.int(3000, 40000) : 0,
    };
  });
  const customerPayload = (customer: Customer, updatedAt: Date) => ({
    id: customer.id,
    admin_graphql_api_id: gid("Customer", customer.id),
    email: customer.email,
    first_name: customer.firstName,
    last_name: customer.lastName,
    phone: customer.phone,
    state: "enabled",
    verified_email: true,
    tax_exempt: false,
    tags: customer.ordersCount > 2 ? "VIP" : "",
    currency: "USD",
    created_at: shopifyTime(customer.createdAt),
    updated_at: shopifyTime(updatedAt),
    orders_count: customer.ordersCount,
    total_spent: money(customer.totalSpentCents),
    email_marketing_consent: { state: "subscribed", opt_in_level: "single_opt_in", consent_updated_at: shopifyTime(customer.createdAt) },
    default_address: { id: customer.id + 1, customer_id: customer.id, first_name: customer.firstName, last_name: customer.lastName, ...customer.address, default: true },
    addresses: [{ id: customer.id + 1, customer_id: customer.id, first_name: customer.firstName, last_name: customer.lastName, ...customer.address, default: true }],
  });
  const customerLastUpdate = new Map<number, Date>();
  const touch = (wave: number, customer: Customer, when: Date) => {
    const isNew = customer.createdAt.getTime() >= day.start.getTime() && !customerLastUpdate.has(customer.id);
    send(wave, isNew ? "customers/create" : "customers/update", customerPayload(customer, when), when);
    const previous = customerLastUpdate.get(customer.id);
    if (!previous || previous < when) customerLastUpdate.set(customer.id, when);
  };
  for (const customer of customers) {
    if (customer.createdAt.getTime() >= day.start.getTime()) touch(0, customer, customer.createdAt);
  }
  const expectNewest = () => {
    for (const customer of customers) {
      const newest = customerLastUpdate.get(customer.id);
      if (newest)
        rows.push({
          table: "customers",
          key: { id: gid("Customer", customer.id) },
          field: "updated_at",
          compare: "time",
          value: newest.toISOString(),
          note: "customer holds its newest update",
        });
    }
  };
  return { customers, touch, expectNewest };
};
