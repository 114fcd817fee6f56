#include "stacks/compose_file.hpp"

#include "core/error.hpp"

#include <gtest/gtest.h>

namespace dokkerr::stacks {
namespace {

ComposeInputs inputs(std::map<std::string, std::string> variables = {},
                     std::map<std::string, std::string> env_files = {}) {
  return {"shop", std::move(variables), std::move(env_files)};
}

// The detail of the invalid_compose error parsing `yaml` raises.
std::string refusal(const std::string& yaml, const ComposeInputs& in = inputs()) {
  try {
    (void)parse_compose(yaml, in);
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), "invalid_compose") << error.detail();
    return error.detail();
  }
  ADD_FAILURE() << "accepted:\n" << yaml;
  return {};
}

const ServiceSpec& service(const ComposeProject& project, std::string_view name) {
  for (const auto& s : project.services) {
    if (s.name == name) return s;
  }
  throw std::runtime_error("no service " + std::string(name));
}

constexpr const char* kThreeServices = R"(
services:
  web:
    image: nginx:${NGINX_TAG:-1.25}
    command: nginx -g "daemon off;"
    ports:
      - "8080:80"
      - 127.0.0.1:8443:443/tcp
      - target: 9000
        published: 9001
        protocol: udp
    environment:
      API_URL: http://api:3000
      FROM_SHELL:
    depends_on:
      api:
        condition: service_healthy
    networks: [front, back]
    restart: unless-stopped
    labels:
      tier: web
  api:
    image: registry.local:5000/shop/api@sha256:0123
    env_file: api.env
    environment:
      - LOG_LEVEL=debug
    volumes:
      - data:/var/lib/api
      - /etc/ssl/certs:/etc/ssl/certs:ro
      - type: tmpfs
        target: /tmp/cache
    healthcheck:
      test: ["CMD", "wget", "-qO-", "http://localhost:3000/health"]
      interval: 5s
      timeout: 2s
      retries: 3
      start_period: 1m30s
    depends_on: [db]
    networks:
      back:
        aliases: [backend]
    deploy:
      resources:
        limits: {cpus: "0.5", memory: 256M, pids: 200}
        reservations: {memory: 64m}
  db:
    image: postgres:15
    environment: ["POSTGRES_PASSWORD=${DB_PASSWORD:?set DB_PASSWORD}"]
    networks: [back]
networks:
  front:
  back:
    internal: true
volumes:
  data:
    labels: {keep: "yes"}
x-shared: &shared
  anything: goes
)";

TEST(ComposeFile, ParsesAThreeServiceStackInDependencyOrder) {
  const auto project = parse_compose(
      kThreeServices,
      inputs({{"DB_PASSWORD", "s3cret"}, {"FROM_SHELL", "here"}},
             {{"api.env", "# settings\nexport API_KEY=\"k e y\"\nLOG_LEVEL=info\n"}}));
  ASSERT_EQ(project.services.size(), 3U);
  EXPECT_EQ(project.services[0].name, "db");
  EXPECT_EQ(project.services[1].name, "api");
  EXPECT_EQ(project.services[2].name, "web");

  const auto& web = service(project, "web");
  EXPECT_EQ(web.image, "nginx:1.25");
  EXPECT_EQ(web.line, 4);
  EXPECT_EQ(*web.command, (std::vector<std::string>{"nginx", "-g", "daemon off;"}));
  ASSERT_EQ(web.ports.size(), 3U);
  EXPECT_EQ(*web.ports[0].published, 8080);
  EXPECT_EQ(web.ports[0].target, 80);
  EXPECT_EQ(web.ports[1].host_ip, "127.0.0.1");
  EXPECT_EQ(web.ports[2].protocol, "udp");
  EXPECT_EQ(*web.ports[2].published, 9001);
  EXPECT_EQ(web.environment.at("FROM_SHELL"), "here");
  EXPECT_EQ(web.depends_on[0].condition, Dependency::Condition::healthy);
  EXPECT_EQ(web.restart, "unless-stopped");
  EXPECT_EQ(web.pull_policy, "missing");
  ASSERT_EQ(web.networks.size(), 2U);
  EXPECT_EQ(web.labels.at("tier"), "web");

  const auto& api = service(project, "api");
  // env_file first, environment over it.
  EXPECT_EQ(api.environment.at("API_KEY"), "k e y");
  EXPECT_EQ(api.environment.at("LOG_LEVEL"), "debug");
  ASSERT_EQ(api.mounts.size(), 3U);
  EXPECT_EQ(api.mounts[0].type, Mount::Type::volume);
  EXPECT_EQ(api.mounts[1].type, Mount::Type::bind);
  EXPECT_TRUE(api.mounts[1].read_only);
  EXPECT_EQ(api.mounts[2].type, Mount::Type::tmpfs);
  ASSERT_TRUE(api.healthcheck);
  EXPECT_EQ(api.healthcheck->test.front(), "CMD");
  EXPECT_EQ(*api.healthcheck->interval_ns, 5'000'000'000LL);
  EXPECT_EQ(*api.healthcheck->start_period_ns, 90'000'000'000LL);
  EXPECT_EQ(*api.nano_cpus, 500'000'000LL);
  EXPECT_EQ(*api.memory_bytes, 256LL << 20U);
  EXPECT_EQ(*api.memory_reservation_bytes, 64LL << 20U);
  EXPECT_EQ(api.networks[0].aliases, std::vector<std::string>{"backend"});

  EXPECT_EQ(service(project, "db").environment.at("POSTGRES_PASSWORD"), "s3cret");
  ASSERT_EQ(project.networks.size(), 2U);
  EXPECT_EQ(project.networks[0].name, "shop_front");
  EXPECT_TRUE(project.networks[1].internal);
  ASSERT_EQ(project.volumes.size(), 1U);
  EXPECT_EQ(project.volumes[0].name, "shop_data");
}

TEST(ComposeFile, RefusesWithTheLineAndTheKey) {
  // A required variable left unset names itself.
  EXPECT_NE(refusal(kThreeServices, inputs({}, {{"api.env", ""}})).find("DB_PASSWORD is required"),
            std::string::npos);
  EXPECT_EQ(refusal("services:\n  web:\n    image: x\n    ports: [\"70000:80\"]\n"),
            "line 4, services.web.ports[0]: the host port must be 1-65535 or a range");
  EXPECT_EQ(refusal("services:\n  web:\n    image: x\n    build: .\n"),
            "line 4, services.web.build: building images is not supported: name an image");
  EXPECT_EQ(refusal("services:\n  web:\n    image: x\n    links: [db]\n"),
            "line 4, services.web.links: is not supported by Dokkerr");
  EXPECT_EQ(refusal("services:\n  web:\n    command: x\n"),
            "line 3, services.web: names no image (image: is required)");
  EXPECT_EQ(refusal("services:\n  web:\n    image: x\n    volumes: [\"data:/d\"]\n"),
            "line 3, services.web.volumes: the volume data is not declared under the top-level "
            "volumes:");
  EXPECT_EQ(refusal("services:\n  web:\n    image: x\n    volumes: [\"./site:/usr/share\"]\n"),
            "line 4, services.web.volumes[0]: a path relative to the Compose file has nothing to "
            "point at here: use an absolute path or a named volume");
  EXPECT_EQ(refusal("services:\n  web:\n    image: x\n    healthcheck:\n      interval: soon\n"),
            "line 5, services.web.healthcheck.interval: must be a duration such as 30s, 1m30s or "
            "500ms");
  EXPECT_EQ(refusal("services:\n  web:\n    image: x\n    pull_policy: sometimes\n"),
            "line 4, services.web.pull_policy: must be missing, always or never");
  EXPECT_EQ(refusal("services:\n  web:\n    image: x\n    restart: sometimes\n"),
            "line 4, services.web.restart: must be no, always, on-failure[:N] or unless-stopped");
  EXPECT_EQ(refusal("services:\n  web:\n    image: x\n  web:\n    image: y\n"),
            "line 4, services: repeats the key web");
  EXPECT_EQ(refusal("services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n"
                    "    depends_on: [a]\n"),
            "services: depends_on goes round in a circle between a, b");
  EXPECT_EQ(refusal("services:\n  a:\n    image: x\n    depends_on: [zz]\n"),
            "line 3, services.a.depends_on: no service named zz");
  EXPECT_EQ(refusal("services:\n  a:\n    image: x\n    networks: [nope]\n"),
            "line 3, services.a.networks: the network nope is not declared under the top-level "
            "networks:");
  EXPECT_EQ(refusal("services:\n  a:\n    image: x\n    env_file: missing.env\n"),
            "line 4, services.a.env_file: no env file named missing.env in the stack");
  EXPECT_EQ(refusal("services:\n  a:\n    image: x\nsecrets:\n  s:\n    file: /etc/shadow\n"),
            "line 5, secrets: is not supported by Dokkerr");
  EXPECT_EQ(refusal("services: {}\n"), "services: the file declares no service");
  EXPECT_EQ(refusal("services:\n  a:\n    image: x\n    ports: [\"8000-8002:80-81\"]\n"),
            "line 4, services.a.ports[0]: the host and container ranges must be as long as each "
            "other");
  EXPECT_EQ(refusal("name: other\nservices:\n  a:\n    image: x\n"),
            "line 1, name: the stack is called shop");
}

TEST(ComposeFile, RefusesHostileDocuments) {
  EXPECT_NE(refusal("services: [\n").find("is not valid YAML"), std::string::npos);
  EXPECT_NE(refusal("- just\n- a list\n").find("must be a mapping"), std::string::npos);
  // Nesting deep enough to exhaust a recursive parser is stopped by the parser's depth guard.
  EXPECT_NE(refusal("services: " + std::string(5000, '[') + std::string(5000, ']')).find("line"),
            std::string::npos);
  // An alias bomb: each level doubles; only the named keys are ever walked, so it costs nothing.
  std::string bomb = "x-a: &a [\"lol\",\"lol\"]\n";
  for (int i = 1; i < 30; ++i) {
    bomb += "x-" + std::to_string(i) + ": &a" + std::to_string(i) + " [*a" +
            (i == 1 ? std::string() : std::to_string(i - 1)) + ",*a" +
            (i == 1 ? std::string() : std::to_string(i - 1)) + "]\n";
  }
  bomb += "services:\n  web:\n    image: x\n    command: *a29\n";
  EXPECT_NE(refusal(bomb).find("services.web.command"), std::string::npos);
  ComposeLimits small;
  small.max_bytes = 100;
  EXPECT_THROW(parse_compose(std::string(200, '#'), inputs(), small), Error);
  ComposeInputs bad = inputs();
  bad.project = "../etc";
  EXPECT_THROW(parse_compose("services:\n  a:\n    image: x\n", bad), Error);
  EXPECT_NE(refusal("services:\n  \"we b\":\n    image: x\n").find("is not a service name"),
            std::string::npos);
  EXPECT_NE(refusal("services:\n  a:\n    image: \"${\"\n").find("unclosed ${"), std::string::npos);
  EXPECT_NE(refusal("services:\n  a:\n    image: \"${1X}\"\n").find("names no variable"),
            std::string::npos);
}

TEST(ComposeFile, KeepsWhatThePolicyJudges) {
  // Privileged services and host binds parse: the deploy hands them to the team's policy.
  const auto project = parse_compose(
      "services:\n  a:\n    image: x\n    privileged: true\n    network_mode: host\n"
      "    cap_add: [SYS_ADMIN]\n    volumes: [\"/:/host\"]\n    pid: host\n",
      inputs());
  const auto& a = service(project, "a");
  EXPECT_TRUE(a.privileged);
  EXPECT_EQ(a.network_mode, "host");
  EXPECT_TRUE(a.networks.empty());
  EXPECT_EQ(a.cap_add, std::vector<std::string>{"SYS_ADMIN"});
  EXPECT_EQ(a.mounts[0].source, "/");
  EXPECT_EQ(a.pid, "host");
  EXPECT_TRUE(project.networks.empty());
}

TEST(ComposeFile, SharingAServicesNetworkDependsOnIt) {
  const auto project = parse_compose(
      "services:\n  sidecar:\n    image: x\n    network_mode: service:web\n  web:\n    image: y\n",
      inputs());
  EXPECT_EQ(project.services.front().name, "web");
  ASSERT_EQ(project.services.back().depends_on.size(), 1U);
  EXPECT_EQ(project.services.back().depends_on[0].service, "web");
  EXPECT_EQ(refusal("services:\n  a:\n    image: x\n    network_mode: service:nope\n"),
            "line 3, services.a.depends_on: no service named nope");
}

TEST(Interpolation, FollowsTheComposeSpecification) {
  const std::map<std::string, std::string> vars{{"SET", "value"}, {"EMPTY", ""}};
  const auto i = [&](std::string_view text) { return interpolate(text, vars, "v"); };
  EXPECT_EQ(i("$SET/${SET}"), "value/value");
  EXPECT_EQ(i("${UNSET}|$UNSET|"), "||");
  EXPECT_EQ(i("${UNSET:-dflt} ${EMPTY:-dflt} ${EMPTY-dflt}"), "dflt dflt ");
  EXPECT_EQ(i("${SET:+alt} ${EMPTY:+alt} ${EMPTY+alt} ${UNSET+alt}"), "alt  alt ");
  EXPECT_EQ(i("${UNSET:-${SET}-x}"), "value-x");
  EXPECT_EQ(i("$$SET costs $$5 and $"), "$SET costs $5 and $");
  EXPECT_EQ(i("${EMPTY?ok}"), "");
  EXPECT_THROW(i("${EMPTY:?needed}"), Error);
  EXPECT_THROW(i("${UNSET?needed}"), Error);
  EXPECT_THROW(i("${SET/x/y}"), Error);
}

TEST(Values, DurationsSizesCommandsAndDotenv) {
  EXPECT_EQ(parse_duration_ns("1h2m3.5s"), 3'723'500'000'000LL);
  EXPECT_EQ(parse_duration_ns("300ms"), 300'000'000LL);
  EXPECT_EQ(parse_duration_ns("10"), 10'000'000'000LL);
  EXPECT_FALSE(parse_duration_ns("10 s"));
  EXPECT_FALSE(parse_duration_ns("-1s"));
  EXPECT_FALSE(parse_duration_ns("99999999h"));
  EXPECT_EQ(parse_byte_size("512m"), 512LL << 20U);
  EXPECT_EQ(parse_byte_size("1.5GiB"), 3LL << 29U);
  EXPECT_EQ(parse_byte_size("1024"), 1024);
  EXPECT_FALSE(parse_byte_size("1 g"));
  EXPECT_FALSE(parse_byte_size("9999999999t"));
  EXPECT_EQ(split_command(R"(sh -c 'echo "hi there"' a\ b "x\"y")", "c"),
            (std::vector<std::string>{"sh", "-c", "echo \"hi there\"", "a b", "x\"y"}));
  EXPECT_THROW(split_command("sh -c 'open", "c"), Error);
  const auto env =
      parse_dotenv("A=1\r\n  # c\n\nexport B = two # note\nC='x#y'\nD=\"l\\nm\"\n", "f");
  EXPECT_EQ(env.at("A"), "1");
  EXPECT_EQ(env.at("B"), "two");
  EXPECT_EQ(env.at("C"), "x#y");
  EXPECT_EQ(env.at("D"), "l\nm");
  EXPECT_THROW(parse_dotenv("1A=x\n", "f"), Error);
  EXPECT_THROW(parse_dotenv("A=\"open\n", "f"), Error);
}

}  // namespace
}  // namespace dokkerr::stacks
