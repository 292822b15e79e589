# The front door. Every target works on a fresh machine: tools are installed into
# .tools/ (ignored by git) the first time they are needed, at pinned versions.

GO        ?= go
MODULE    := github.com/openmodelops/fuseml-seldon
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X $(MODULE)/internal/version.Version=$(VERSION)

TOOLS     := $(CURDIR)/.tools
TOOLS_BIN := $(TOOLS)/bin
STAMPS    := $(TOOLS)/stamps

# Pinned test servers. etcd and kube-apiserver are built from the helper modules in
# e2e/tools/etcd and e2e/tools/kube, whose go.mod and go.sum pin the same versions.
MINIO_VERSION := v0.0.0-20260212201848-7aac2a2c5b7c
ETCD_VERSION  := v3.6.5
KUBE_VERSION  := v1.34.4

# kube-apiserver reports this version; unstamped, it says v0.0.0-master, which kubectl
# and client-go's version checks cannot parse.
KUBE_VERSION_PKG := k8s.io/component-base/version
KUBE_LDFLAGS := -X $(KUBE_VERSION_PKG).gitVersion=$(KUBE_VERSION) \
	-X $(KUBE_VERSION_PKG).gitMajor=$(word 1,$(subst ., ,$(KUBE_VERSION:v%=%))) \
	-X $(KUBE_VERSION_PKG).gitMinor=$(word 2,$(subst ., ,$(KUBE_VERSION:v%=%))) \
	-X $(KUBE_VERSION_PKG).gitTreeState=clean

# Test helpers find the servers here (e2e/testserver).
export FUSEML_TOOLS_BIN := $(TOOLS_BIN)

.PHONY: all build images test test-short tools postgres bench bench-convert bench-registry lint demo demo-down fuzz clean

all: build

## build: the binaries, into bin/
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/ ./cmd/...

## images: the container images (images/*/Dockerfile), tagged $(IMAGE_REPO)/NAME:$(VERSION).
## Builds them when a docker engine answers; otherwise prints the commands and says so.
IMAGE_REPO ?= ghcr.io/openmodelops
IMAGES     := seldon-core-predictor fuseml-registry fuseml
images:
	@if docker info >/dev/null 2>&1; then engine=1; else engine=; fi; \
	for i in $(IMAGES); do \
		cmd="docker build -f images/$$i/Dockerfile --build-arg VERSION=$(VERSION) -t $(IMAGE_REPO)/$$i:$(VERSION) ."; \
		echo "$$cmd"; \
		if [ -n "$$engine" ]; then $$cmd || exit 1; fi; \
	done; \
	if [ -z "$$engine" ]; then echo "make images: no docker engine answers here; printed the commands without running them" >&2; fi

## tools: install the pinned test servers into .tools/bin: MinIO, etcd, kube-apiserver
tools: $(STAMPS)/minio-$(MINIO_VERSION) $(STAMPS)/etcd-$(ETCD_VERSION) $(STAMPS)/kube-apiserver-$(KUBE_VERSION)

$(STAMPS)/minio-$(MINIO_VERSION):
	@mkdir -p $(TOOLS_BIN) $(STAMPS)
	@echo "installing MinIO $(MINIO_VERSION) into $(TOOLS_BIN) (a few minutes the first time)"
	GOBIN=$(TOOLS_BIN) GOFLAGS=-buildvcs=false $(GO) install github.com/minio/minio@$(MINIO_VERSION)
	@touch $@

$(STAMPS)/etcd-$(ETCD_VERSION):
	@grep -q 'go.etcd.io/etcd/server/v3 $(ETCD_VERSION)' e2e/tools/etcd/go.mod || { echo "e2e/tools/etcd/go.mod does not pin etcd $(ETCD_VERSION)" >&2; exit 1; }
	@mkdir -p $(TOOLS_BIN) $(STAMPS)
	@echo "building etcd $(ETCD_VERSION) into $(TOOLS_BIN) (under a minute the first time)"
	GOFLAGS=-buildvcs=false $(GO) -C e2e/tools/etcd build -o $(TOOLS_BIN)/etcd go.etcd.io/etcd/server/v3
	@touch $@

$(STAMPS)/kube-apiserver-$(KUBE_VERSION):
	@grep -q 'k8s.io/kubernetes $(KUBE_VERSION)' e2e/tools/kube/go.mod || { echo "e2e/tools/kube/go.mod does not pin Kubernetes $(KUBE_VERSION)" >&2; exit 1; }
	@mkdir -p $(TOOLS_BIN) $(STAMPS)
	@echo "building kube-apiserver $(KUBE_VERSION) into $(TOOLS_BIN) (about 4 minutes the first time)"
	GOFLAGS=-buildvcs=false $(GO) -C e2e/tools/kube build -ldflags "$(KUBE_LDFLAGS)" -o $(TOOLS_BIN)/kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
	@touch $@

## postgres: Debian's PostgreSQL for the registry's store tests (installed once; the
## tests find it under /usr/lib/postgresql/*/bin, or in FUSEML_PG_BIN, and skip without it)
postgres:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || [ -x "$$FUSEML_PG_BIN/initdb" ]; then :; \
	elif command -v apt-get >/dev/null 2>&1; then \
		echo "installing PostgreSQL (Debian package) for the registry's store tests"; \
		sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		{ $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq postgresql >/dev/null; } \
			|| echo "could not install PostgreSQL: the PostgreSQL store tests will skip"; \
	else echo "no apt-get: the PostgreSQL store tests will skip"; fi

## test: install what the tests need, then run every test against real servers
test: tools postgres
	$(GO) test -count=1 ./...

## test-short: the tests that need no server (seconds)
test-short:
	$(GO) test -short ./...

## bench: benchmarks against the real servers, printed as a report
bench: tools
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 30m ./...

## bench-convert: only the conversion report (real MinIO; a 1 GiB object, removed after)
bench-convert: tools
	$(GO) test -run '^$$' -bench BenchmarkConversion -benchtime 1x -timeout 30m ./convert

## bench-registry: only the registry's HTTP benchmark (10,000 extensions on SQLite)
bench-registry:
	$(GO) test -run '^$$' -bench BenchmarkRegistryHTTP -benchtime 1x ./registry/api

## fuzz: run each fuzz target for FUZZTIME (default 1m): the MLmodel parser, the workflow
## parser, the workflow expressions and their resolution, and the registry's JSON bodies
FUZZTIME ?= 1m
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./mlflow
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./workflows
	$(GO) test -run '^$$' -fuzz '^FuzzExpressions$$' -fuzztime $(FUZZTIME) ./workflows
	$(GO) test -run '^$$' -fuzz '^FuzzBodies$$' -fuzztime $(FUZZTIME) ./registry/api

## lint: gofmt, go vet, and go mod tidy leaving no diff
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) mod tidy -diff

## demo: the main job on embedded defaults: servers on loopback under .demo/, a sample
## model served; prints the prediction URL, the applications and how to reach each server
demo: tools build
	$(GO) run ./e2e/cmd/demo up --bin bin

## demo-down: stop the demo's servers, by the process ids recorded in .demo/pids
demo-down:
	$(GO) run ./e2e/cmd/demo down

clean:
	rm -rf bin
