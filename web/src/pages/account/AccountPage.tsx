// My account: the profile and preferences, password and second factor, sessions and API keys,
// one section at a time (#/account/<section>).

import { ApiKeysSection } from "./ApiKeysSection";
import { ProfileSection } from "./ProfileSection";
import { SecuritySection } from "./SecuritySection";
import { SessionsSection } from "./SessionsSection";
import type { User } from "../../lib/dokkerr";
import { Link } from "../../lib/router";
import "./AccountPage.css";

export const ACCOUNT_SECTIONS = [
  { id: "profile", label: "Profile" },
  { id: "security", label: "Security" },
  { id: "sessions", label: "Sessions" },
  { id: "api-keys", label: "API keys" },
] as const;

type SectionId = (typeof ACCOUNT_SECTIONS)[number]["id"];

function Section({ id, user }: { id: SectionId; user: User }) {
  switch (id) {
    case "profile":
      return <ProfileSection />;
    case "security":
      return <SecuritySection user={user} />;
    case "sessions":
      return <SessionsSection />;
    case "api-keys":
      return <ApiKeysSection />;
  }
}

export default function AccountPage({ user, section }: { user: User | undefined; section: string }) {
  const current = ACCOUNT_SECTIONS.find((s) => s.id === section) ?? ACCOUNT_SECTIONS[0];
  return (
    <section aria-labelledby="page-title" className="admin-layout">
      <h1 id="page-title">My account: {current.label}</h1>
      <nav aria-label="My account" className="sub-nav">
        <ul>
          {ACCOUNT_SECTIONS.map((s) => (
            <li key={s.id}>
              <Link to={`/account/${s.id}`} aria-current={s.id === current.id ? "page" : undefined}>
                {s.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <div className="admin-content">{user ? <Section id={current.id} user={user} /> : <p role="status">Loading…</p>}</div>
    </section>
  );
}
