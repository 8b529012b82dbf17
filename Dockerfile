# syntax=docker/dockerfile:1
#
# Portcullis gateway image.
#
#   docker build -t portcullis .
#   docker run --rm -p 8443:8443 -p 9443:9443 \
#     -v "$PWD/my-config:/etc/portcullis:ro" -v portcullis-data:/var/lib/portcullis portcullis
#
# The image ships no configuration: mount a directory holding gateway.yaml at /etc/portcullis
# (PORTCULLIS_CONFIG points at /etc/portcullis/gateway.yaml). Inside a container that file must
#   - listen on 0.0.0.0, not 127.0.0.1, for listeners.public and listeners.admin (and redirect, if
#     used): a listener on 127.0.0.1 is unreachable through the published ports;
#   - set `dataDir: /var/lib/portcullis`, the writable volume owned by the portcullis user
#     (uid 10001). A bind-mounted host directory there must be writable by uid 10001
#     (e.g. `chown 10001:10001 DIR`); a named volume gets the right owner from the image.
# Certificate and key files named in the config (listeners.public.tls) can live in the same
# mounted /etc/portcullis directory; they must be readable by uid 10001.

# ---- build stage --------------------------------------------------------------------------------
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
# The cache mount keeps ~/.m2 between builds (BuildKit); it is not part of any image layer.
RUN --mount=type=cache,target=/root/.m2 mvn -B -DskipTests package

# ---- runtime stage ------------------------------------------------------------------------------
FROM eclipse-temurin:17-jre

RUN groupadd --gid 10001 portcullis \
 && useradd --uid 10001 --gid portcullis --home-dir /var/lib/portcullis --no-create-home \
      --shell /usr/sbin/nologin portcullis \
 && mkdir -p /etc/portcullis /var/lib/portcullis \
 && chown portcullis:portcullis /var/lib/portcullis

# bin/ (launcher, mode 755), lib/, plugins/, config/ (the demo config; not used here).
COPY --from=build /src/distribution/target/portcullis /opt/portcullis

ENV PORTCULLIS_CONFIG=/etc/portcullis/gateway.yaml
# JAVA_OPTS is passed to the JVM by the launcher, e.g. -e JAVA_OPTS="-XX:MaxRAMPercentage=75".

VOLUME ["/etc/portcullis", "/var/lib/portcullis"]

# 8443: public HTTPS listener; 9443: admin listener (/healthz, /readyz, /metrics over HTTPS).
# These are the defaults; a gateway.yaml that picks other ports needs other -p mappings.
# 5701: the embedded Hazelcast member (cluster: section), for the other gateway instances only
EXPOSE 8443 9443 5701

# No HEALTHCHECK: the JRE image has neither curl nor wget, and the admin endpoints are HTTPS only,
# so a check would need an extra tool in the image. Probe https://<container>:9443/readyz from
# outside instead (e.g. a Kubernetes httpGet probe with scheme: HTTPS).

USER 10001:10001
WORKDIR /var/lib/portcullis

# Exec form: the launcher execs java, so the JVM is PID 1 and gets SIGTERM (drain, then stop)
# and SIGHUP (reload the configuration) directly.
ENTRYPOINT ["/opt/portcullis/bin/portcullis"]
