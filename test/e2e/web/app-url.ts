/** The editor's address in the web host, with the per-run secret the host requires (playwright.config.ts). */
export const token = process.env.CLEANPLATE_E2E_TOKEN ?? '';
export const appUrl = `/?token=${encodeURIComponent(token)}`;
