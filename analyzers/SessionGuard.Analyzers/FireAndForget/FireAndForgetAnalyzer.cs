using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace SessionGuard.Analyzers;

/// <summary>
/// SG1001: the result of an awaitable expression is dropped or never observed. Looks at expression statements,
/// <c>_ =</c> discards, task locals (with control flow: observed on only some paths, overwritten while pending)
/// and local collections of tasks that nobody ever awaits.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class FireAndForgetAnalyzer : DiagnosticAnalyzer
{
    internal const string KindProperty = "Kind";
    internal const string KindStatement = "Statement";
    internal const string KindDiscard = "Discard";
    internal const string KindInnerTask = "InnerTask";
    internal const string KindLocal = "Local";
    internal const string KindCollection = "Collection";
    internal const string KindUnobservedFault = "UnobservedFault";

    private static readonly ImmutableDictionary<string, string?> StatementProperties = Props(KindStatement);
    private static readonly ImmutableDictionary<string, string?> DiscardProperties = Props(KindDiscard);
    private static readonly ImmutableDictionary<string, string?> InnerTaskProperties = Props(KindInnerTask);
    internal static readonly ImmutableDictionary<string, string?> LocalProperties = Props(KindLocal);
    internal static readonly ImmutableDictionary<string, string?> CollectionProperties = Props(KindCollection);
    private static readonly ImmutableDictionary<string, string?> UnobservedFaultProperties = Props(KindUnobservedFault);

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.FireAndForget, Descriptors.FireAndForgetNoVisibleFault);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var types = new KnownTypes(start.Compilation);
            if (types.Task is null)
            {
                return;
            }

            bool tests = TestProjects.IsTestProject(start.Compilation, start.Options);
            start.RegisterOperationAction(
                ctx =>
                {
                    if (!TestProjects.Silenced(tests, ctx.Options, ctx.Operation.Syntax.SyntaxTree))
                    {
                        AnalyzeExpressionStatement(ctx, types);
                    }
                },
                OperationKind.ExpressionStatement);
            start.RegisterOperationAction(
                ctx =>
                {
                    if (!TestProjects.Silenced(tests, ctx.Options, ctx.Operation.Syntax.SyntaxTree))
                    {
                        AnalyzeConversion(ctx, types);
                    }
                },
                OperationKind.Conversion);
            start.RegisterOperationBlockStartAction(blockStart =>
            {
                if (blockStart.OperationBlocks.IsEmpty || !TestProjects.Silenced(tests, blockStart.Options, blockStart.OperationBlocks[0].Syntax.SyntaxTree))
                {
                    TaskLocalAnalysis.Register(blockStart, types);
                }
            });
        });
    }

    private static void AnalyzeExpressionStatement(OperationAnalysisContext context, KnownTypes types)
    {
        var statement = (IExpressionStatementOperation)context.Operation;
        var expression = statement.Operation;
        switch (expression.Kind)
        {
            case OperationKind.Invocation:
            case OperationKind.ObjectCreation:
            case OperationKind.ConditionalAccess:
            case OperationKind.Await:
                break;
            case OperationKind.SimpleAssignment:
                AnalyzeDiscard(context, (ISimpleAssignmentOperation)expression, types);
                return;
            default:
                return;
        }

        // Cheap type test first: most statements are void calls.
        var type = expression.Type;
        if (type is null || type.SpecialType == SpecialType.System_Void)
        {
            // new Task(...).Start(): started, and nobody keeps it.
            if (expression is IInvocationOperation { TargetMethod.Name: "Start", Instance: { } started }
                && TaskOperations.Unwrap(started) is IObjectCreationOperation creation && types.IsTask(creation.Type))
            {
                context.ReportDiagnostic(FaultEvidence.Report(
                    creation, types, expression.Syntax.GetLocation(), StatementProperties, "new " + creation.Type!.Name, "started and dropped"));
            }

            return;
        }

        if (!types.IsAwaitable(type))
        {
            // items.Select(x => SendAsync(x)).ToList(); starts every task and drops them all.
            if (TaskOperations.IsMaterializedTasks(expression, types))
            {
                context.ReportDiagnostic(FaultEvidence.Report(
                    expression, types, expression.Syntax.GetLocation(), CollectionProperties,
                    TaskOperations.Describe(expression), "a collection of started tasks that is dropped"));
            }

            return;
        }

        var options = FireAndForgetOptions.Get(context.Options, statement.Syntax.SyntaxTree);
        if (!TaskOperations.IsFreshTask(expression, types, options) || IsSubstituteConfiguration(statement)
            || SelfObservingWork.IsSelfObserving(expression, types))
        {
            return;
        }

        if (expression is IAwaitOperation)
        {
            context.ReportDiagnostic(FaultEvidence.Report(
                expression, types, expression.Syntax.GetLocation(), InnerTaskProperties,
                TaskOperations.Describe(((IAwaitOperation)expression).Operation),
                "awaited only as the outer task; the inner task it returns is dropped (use Unwrap or await the result)"));
            return;
        }

        if (ReportUnobservedFault(context, expression, types))
        {
            return;
        }

        context.ReportDiagnostic(FaultEvidence.Report(
            expression, types, expression.Syntax.GetLocation(), StatementProperties,
            TaskOperations.Describe(expression), "dropped"));
    }

    /// <summary>
    /// NSubstitute's <c>sub.When(x => x.SendAsync()).Do(...)</c>: the lambda names a call to configure, it runs nothing.
    /// </summary>
    private static bool IsSubstituteConfiguration(IExpressionStatementOperation statement)
    {
        var lambda = statement.Parent?.Parent as IAnonymousFunctionOperation;
        var argument = lambda?.Parent is IDelegateCreationOperation creation ? creation.Parent as IArgumentOperation : null;
        return argument?.Parent is IInvocationOperation { TargetMethod.Name: "When" or "WhenForAnyArgs" };
    }

    /// <summary>
    /// <c>Task t = Task.Factory.StartNew(async () => ...);</c> (or a <c>return</c> of it from a Task method): the
    /// Task&lt;Task&gt; becomes a plain Task, and the inner task, the one that does the work, is lost.
    /// </summary>
    private static void AnalyzeConversion(OperationAnalysisContext context, KnownTypes types)
    {
        var conversion = (IConversionOperation)context.Operation;
        if (conversion.Operand.Type is not INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } source
            || !KnownTypes.Same(source.OriginalDefinition, types.TaskOfT)
            || !types.IsAwaitable(source.TypeArguments[0])
            || conversion.Type is null
            || (conversion.Type is INamedTypeSymbol { IsGenericType: true } target && KnownTypes.Same(target.OriginalDefinition, types.TaskOfT)))
        {
            return;
        }

        var operand = TaskOperations.Unwrap(conversion.Operand);
        if (operand is not IInvocationOperation
            || conversion.Parent is IExpressionStatementOperation
            || !TaskOperations.IsInnerTaskProducer(operand, types, FireAndForgetOptions.Get(context.Options, conversion.Syntax.SyntaxTree)))
        {
            return;
        }

        context.ReportDiagnostic(FaultEvidence.Report(
            operand, types, operand.Syntax.GetLocation(), InnerTaskProperties,
            TaskOperations.Describe(operand),
            "converted to a plain task; the inner task it returns is dropped (use Unwrap or Task.Run)"));
    }

    private static void AnalyzeDiscard(OperationAnalysisContext context, ISimpleAssignmentOperation assignment, KnownTypes types)
    {
        if (!TaskOperations.IsDiscard(assignment.Target, types))
        {
            return;
        }

        var value = TaskOperations.Unwrap(assignment.Value);
        if (!types.IsAwaitable(value.Type))
        {
            return;
        }

        var options = FireAndForgetOptions.Get(context.Options, assignment.Syntax.SyntaxTree);
        if (!options.ReportDiscards || !TaskOperations.IsFreshTask(value, types, options) || SelfObservingWork.IsSelfObserving(value, types))
        {
            return;
        }

        if (ReportUnobservedFault(context, value, types))
        {
            return;
        }

        context.ReportDiagnostic(FaultEvidence.Report(
            value, types, value.Syntax.GetLocation(), DiscardProperties,
            TaskOperations.Describe(value), "discarded with '_ ='"));
    }

    /// <summary>
    /// <c>SendAsync().ContinueWith(t => Log("failed"), OnlyOnFaulted)</c> dropped: the continuation runs on the fault
    /// but never reads it, so the antecedent's exception is the one lost. Reported on the antecedent: handing the
    /// continuation to an owner would not observe anything.
    /// </summary>
    private static bool ReportUnobservedFault(OperationAnalysisContext context, IOperation expression, KnownTypes types)
    {
        if (TaskOperations.Unwrap(expression) is not IInvocationOperation { Instance: { } antecedent } invocation
            || !ContinuationObservers.IsContinueWith(invocation, types)
            || !ContinuationObservers.IsOnlyOnFaulted(invocation)
            || ContinuationObservers.Lambda(invocation) is not { } lambda
            || ContinuationObservers.ReadsFault(lambda, types))
        {
            return false;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.FireAndForget, antecedent.Syntax.GetLocation(), UnobservedFaultProperties,
            TaskOperations.Describe(antecedent),
            "continued only on a fault by a continuation that does not observe the fault (it never reads the antecedent's Exception)",
            FaultEvidence.OnlyOnFaultedEvidence));
        return true;
    }

    private static ImmutableDictionary<string, string?> Props(string kind) =>
        ImmutableDictionary<string, string?>.Empty.Add(KindProperty, kind);
}
