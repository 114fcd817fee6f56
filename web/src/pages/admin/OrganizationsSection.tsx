export default function OrganizationsSection() {
  return <p className="muted">Organizations: not available yet.</p>;
}
