module github.com/ruledex/ruledex

go 1.26
