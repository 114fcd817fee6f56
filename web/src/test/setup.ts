// Shared by every test file: the machine running the suite may be busy (the whole test run goes
// on beside it), so waits for the page are bounded generously rather than at the library's 1 s.
import { configure } from "@testing-library/react";

configure({ asyncUtilTimeout: 5_000 });
