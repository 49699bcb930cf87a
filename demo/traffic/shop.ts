/** The small coffee shop the day is generated for: its catalogue, its people, and what an order holds. */
import type { Day } from "./day";

export const firstNames = [
  "Ava",
  "Liam",
  "Noah",
  "Mia",
  "Zoë",
  "Mateo",
  "Amara",
  "Kenji",
  "Sofía",
  "Olivia",
  "Ethan",
  "Priya",
  "Lucas",
  "Chloé",
  "Omar",
  "Hana",
  "Jonas",
  "Leila",
  "Finn",
  "Nora",
];
export const lastNames = ["Smith", "García", "Okafor", "Müller", "Tanaka", "Rossi", "Kowalski", "Nguyen", "Dubois", "Silva", "Jensen", "O'Brien"];
export const cities = [
  { city: "Portland", province: "Oregon", province_code: "OR", country: "United States", country_code: "US", zip: "97205" },
  { city: "Austin", province: "Texas", province_code: "TX", country: "United States", country_code: "US", zip: "73301" },
  { city: "Toronto", province: "Ontario", province_code: "ON", country: "Canada", country_code: "CA", zip: "M5V 2T6" },
  { city: "Denver", province: "Colorado", province_code: "CO", country: "United States", country_code: "US", zip: "80202" },
];
export const catalogue = [
  {
    title: "Single-Origin Coffee Beans",
    type: "Coffee",
    variants: [
      ["250 g", 1650],
      ["1 kg", 5400],
    ],
  },
  {
    title: "Espresso Blend",
    type: "Coffee",
    variants: [
      ["250 g", 1500],
      ["1 kg", 4900],
    ],
  },
  { title: "Decaf Swiss Water", type: "Coffee", variants: [["250 g", 1700]] },
  {
    title: "Ceramic Pour-Over Dripper",
    type: "Equipment",
    variants: [
      ["White", 3200],
      ["Black", 3200],
    ],
  },
  { title: "Cold Brew Kit", type: "Equipment", variants: [["Standard", 4500]] },
  { title: "Matcha Ceremonial Grade", type: "Tea", variants: [["30 g", 2800]] },
] as const;

export interface Product {
  readonly id: number;
  readonly title: string;
  readonly type: string;
  readonly handle: string;
  readonly variants: ReadonlyArray<{ readonly id: number; readonly title: string; readonly priceCents: number; readonly sku: string }>;
  readonly createdAt: Date;
}

export interface Customer {
  readonly id: number;
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string;
  readonly phone: string;
  readonly address: (typeof cities)[number] & { readonly address1: string };
  readonly createdAt: Date;
  readonly rechargeId: number;
  readonly stripeId: string;
  ordersCount: number;
  totalSpentCents: number;
}

export interface Line {
  readonly id: number;
  readonly product: Product;
  readonly variant: Product["variants"][number];
  readonly quantity: number;
  readonly discountCents: number;
}

export interface OrderState {
  readonly id: number;
  readonly number: number;
  readonly customer: Customer;
  readonly lines: ReadonlyArray<Line>;
  readonly createdAt: Date;
  readonly checkoutToken: string;
  readonly cartToken: string;
  readonly subscription: boolean;
  readonly discountCode?: string;
}

/** One to three distinct products, numbered line by line across the day (carts and orders share the numbering). */
export const linePicker = (day: Day, products: ReadonlyArray<Product>) => {
  const { random } = day;
  let lineId = 15_880_410_000_000;
  return (): Line[] => {
    const count = random.int(1, 3);
    const chosen = new Set<Product>();
    while (chosen.size < count) chosen.add(random.pick(products));
    return [...chosen].map((product) => ({ id: lineId++, product, variant: random.pick(product.variants), quantity: random.int(1, 3), discountCents: 0 }));
  };
};
export type PickLines = ReturnType<typeof linePicker>;
