export default function UsersSection() {
  return <p className="muted">Users: not available yet.</p>;
}
