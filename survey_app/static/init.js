// Start the GOV.UK Frontend components; pages work without this script.
import { initAll } from "./govuk/govuk-frontend.min.js";

initAll();
