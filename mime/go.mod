module github.com/mailwright/mailwright/mime

go 1.26
