/** The analytics sources live in contracts/ (the data-quality function reads them too). */
export * from "../contracts/analytics-sources";
