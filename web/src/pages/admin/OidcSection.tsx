export default function OidcSection() {
  return <p className="muted">Single sign-on: not available yet.</p>;
}
