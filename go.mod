module github.com/claimstance/stance

go 1.26
