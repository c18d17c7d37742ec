# Developer tasks. Tool versions are pinned in tools/go.mod, which is kept
# apart from go.mod so that the generators never become requirements of the
# client library's users.
BUF := go tool -modfile=tools/go.mod buf

.PHONY: generate checkgenerate lint test bench model
generate: ## regenerate proto/stance/v1/*.pb.go from the .proto files
	rm -f proto/stance/v1/*.pb.go
	$(BUF) generate

checkgenerate: generate ## fail if the committed generated code is stale
	@test -z "$$(git status --porcelain -- proto)" || { git status --porcelain -- proto; echo "generated code is stale: run make generate"; exit 1; }

lint: ## buf lint, go vet, gofmt, go mod tidy
	$(BUF) lint
	go vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go' | grep -v '\.pb\.go$$'))" || { gofmt -l .; exit 1; }

test: ## the test suite, with the race detector
	go test -race ./...

bench: ## in-process benchmarks
	go test -run '^$$' -bench . -benchmem ./classifier/...

model: ## retrain the default model from the corpus
	go run ./cmd/stance train --corpus models/corpus --out models/stance.model
