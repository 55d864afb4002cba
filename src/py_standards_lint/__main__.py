from py_standards_lint.frontends.cli import main

main()
