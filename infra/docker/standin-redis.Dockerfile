# TEST STAND-IN, NOT FOR PRODUCTION: takes the place of redis:7.2-bookworm (infra/compose/docker-compose.yml) in
# the compose smoke test where no image registry can be reached. Debian's redis-server 7.0 on the stand-in base
# (standin-base.sh), with the official image's working directory (/data, where the AOF goes).
#   docker build -f infra/docker/standin-redis.Dockerfile --build-arg BASE=<stand-in base> -t <tag> infra/docker
ARG BASE
FROM ${BASE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /data
LABEL org.bsky-explorer.test-stand-in="true"
EXPOSE 6379
CMD ["redis-server", "--bind", "0.0.0.0", "--protected-mode", "no"]
